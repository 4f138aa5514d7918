"""Personal data handling: phone numbers, ID numbers and addresses are never logged in full.

Use :func:`mask_phone`/:func:`mask_text` whenever a message or log line could carry crawled text.
The web UI shows full values only to roles that need them (see ``web.users``).
"""
from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)(\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?(\d{3,4})(\d{4})(?!\d)")
# what is left: bank card and account numbers, and numbers cut by a snippet's edge ("1380013800…")
_LONG_NUMBER = re.compile(r"(?<![\d*])\d(?:[- ]?\d){6,}(?![\d*])")

#: Roles that may see personal data in full.
PII_ROLES = frozenset({"analyst", "responder", "admin"})


def mask_phone(phone: str) -> str:
    """``13800001234`` → ``138****1234``; anything shorter keeps only its last 2 digits."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 11:
        return f"{digits[-11:-8]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def mask_text(text: str) -> str:
    """Mask mobile numbers, landlines, resident ID numbers and any other run of 7+ digits in free text.

    The last rule catches bank card and account numbers, and numbers a search snippet cut short
    (``联系人陈先生1380013800…``), which the phone pattern no longer recognises.
    """
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(3)[-1]}", text)
    text = _PHONE.sub(lambda m: f"{m.group(2)}****{m.group(4)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
    return _LONG_NUMBER.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 3), text)


def can_see_pii(role: str | None) -> bool:
    return (role or "") in PII_ROLES
