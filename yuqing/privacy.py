"""Personal data handling: phone numbers, ID numbers and addresses are never logged in full.

Use :func:`mask_phone`/:func:`mask_text` whenever a message or log line could carry crawled text.
The web UI shows full values only to roles that need them (see ``web.users``); for every other role
it passes what it shows through :func:`redact` (``yuqing.app.web.redact``), which also hides the home
addresses the engine has extracted (:func:`mask_known_addresses`).
"""
from __future__ import annotations

import re
from typing import Any, Iterable

_PHONE = re.compile(r"(?<!\d)(\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?(\d{3,4})(\d{4})(?!\d)")
# what is left: bank card and account numbers, and numbers cut by a snippet's edge ("1380013800…")
_LONG_NUMBER = re.compile(r"(?<![\d*])\d(?:[- ]?\d){6,}(?![\d*])")

# Dates and times are not personal data, but "2023-09-07 20:15" is 12 digits joined by "-" and " ",
# which _LONG_NUMBER would eat ("202**********:15"). They are set aside before masking and put back
# after: 2023-09-07, 2023/9/7, 2023.09.07, each optionally followed by a time (T or spaces,
# 20:15, 20:15:00, 20:15:00.123), and a compact 20230907 only when a time follows (20230907 20:15,
# 20230907T201500). A compact date on its own stays a long number (it could be part of an account).
_TIME = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d{1,9})?)?"
_COMPACT_TIME = r"(?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d)?"
_YEAR = r"(?:19|20)\d{2}"
_MONTH, _DAY = r"(?:0?[1-9]|1[0-2])", r"(?:0?[1-9]|[12]\d|3[01])"
# never a piece of a longer dashed number (an ID written 440301-1990-01-01-1234 stays one number)
_DATE_TIME = re.compile(
    rf"(?<![\d*])(?<!\d[-/.])(?:"
    rf"{_YEAR}(?P<sep>[-/.]){_MONTH}(?P=sep){_DAY}(?![-/.]?\d)(?:(?:T|\s+){_TIME}(?!\d))?"
    rf"|{_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    rf"(?:(?:T|\s+){_TIME}|T{_COMPACT_TIME})(?!\d)"
    rf")")
_SHELTERS = "\ue000\ue001\ue002\ue003"  # a private-use character stands in for a date while numbers are masked

# An address keeps its street (街道), town (镇) or township (乡); the rest (compound, building, room) goes.
_ADDRESS_AREA = re.compile(r"^(.{1,24}?(?:街道|镇|乡))")
ADDRESS_MASK = "****"

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
    (``联系人陈先生1380013800…``), which the phone pattern no longer recognises. Dates and times
    (``2023-09-07 20:15:00``) are left as they are. Masking masked text changes nothing.
    """
    if not text:
        return text
    dates: list[str] = []
    sentinel = next((c for c in _SHELTERS if c not in text), None)
    if sentinel is not None:
        def shelter(m: re.Match) -> str:
            dates.append(m.group(0))
            return sentinel
        text = _DATE_TIME.sub(shelter, text)
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(3)[-1]}", text)
    text = _PHONE.sub(lambda m: f"{m.group(2)}****{m.group(4)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
    text = _LONG_NUMBER.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 3), text)
    if dates:
        restore = iter(dates)
        text = re.sub(sentinel, lambda _m: next(restore), text)
    return text


def mask_address(address: str) -> str:
    """``民治街道某小区3栋`` → ``民治街道****``: the street (街道/镇/乡) stays, the rest is hidden.

    An address that names no street is hidden entirely; one that is nothing but a street comes back
    as it is (a street is not personal).
    """
    address = (address or "").strip()
    if not address:
        return address
    m = _ADDRESS_AREA.match(address)
    area = m.group(1) if m else ""
    return address if area == address else area + ADDRESS_MASK


def mask_known_addresses(text: str, addresses: Iterable[str]) -> str:
    """Hide each of ``addresses`` (home addresses the engine extracted) wherever it occurs in ``text``."""
    if not text:
        return text
    for address in sorted({(a or "").strip() for a in addresses}, key=len, reverse=True):
        if len(address) >= 2 and address in text:
            masked = mask_address(address)
            if masked != address:
                text = text.replace(address, masked)
    return text


def is_identifier_key(key: Any) -> bool:
    """Keys whose values are record ids (hex digests, keys), never personal: :func:`redact` leaves them."""
    return isinstance(key, str) and (key == "id" or key.endswith("_id") or key.endswith("_ids")
                                     or key == "dedup_key")


def redact(value: Any, addresses: Iterable[str] = (), *, key: Any = None) -> Any:
    """A copy of JSON-like ``value`` (dicts, lists, strings) with personal data masked in every string.

    Known home ``addresses`` are hidden first (:func:`mask_known_addresses`), then numbers
    (:func:`mask_text`); a value under an ``address`` key is an address (:func:`mask_address`).
    Values under identifier keys (``id``, ``*_id``, ``*_ids``) are left alone.
    """
    if is_identifier_key(key):
        return value
    if not isinstance(addresses, tuple):
        addresses = tuple(addresses)
    if isinstance(value, str):
        if isinstance(key, str) and key.endswith("address"):
            value = mask_address(value)
        return mask_text(mask_known_addresses(value, addresses) if addresses else value)
    if isinstance(value, dict):
        return {k: redact(v, addresses, key=k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, addresses, key=key) for v in value]
    return value


def can_see_pii(role: str | None) -> bool:
    return (role or "") in PII_ROLES
