"""Signed links (签名链接) that let a department open its 报送单 without an account.

A link is ``{base}/dept/{order_id}?sig={signature}``. The signature is an HMAC-SHA256, keyed with
``$YUQING_LINK_SECRET`` (else a random key made once per process), over the purpose (``act``: the
department's link, which may accept, reply, return and close; ``view``: a superior's read-only
link), the order id and the link's expiry, which is kept on the order and never trusted from the
URL. A chase issues a fresh expiry, so only the newest link of an order works.

Order ids and signatures are written with the letters a–p only: no digit run a phone-number mask
could eat, no ``_``/``-`` a chat robot's markdown escaping would change, so the link reaches the
department intact through every notifier.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime
from typing import Mapping

SECRET_ENV = "YUQING_LINK_SECRET"
PURPOSES = ("act", "view")
_PROCESS_SECRET = secrets.token_bytes(32)
_LETTERS = str.maketrans("0123456789", "ghijklmnop")
_SIGNATURE_CHARS = 40  # 160 bits


def link_secret(environ: Mapping[str, str] = os.environ) -> bytes:
    """``$YUQING_LINK_SECRET``, else a random key made once per process."""
    given = environ.get(SECRET_ENV, "")
    return given.encode("utf-8") if given else _PROCESS_SECRET


def letters(data: bytes) -> str:
    """``data`` as letters a–p (hex with its digits shifted to g–p)."""
    return data.hex().translate(_LETTERS)


def new_order_id() -> str:
    return "bs" + letters(secrets.token_bytes(10))


def sign(order_id: str, expires: datetime, purpose: str = "act", secret: bytes | None = None) -> str:
    """The signature of ``order_id`` for ``purpose`` until ``expires``."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    message = f"dispatch-link\x1f{purpose}\x1f{order_id}\x1f{int(expires.timestamp())}".encode("utf-8")
    digest = hmac.new(secret or link_secret(), message, hashlib.sha256).digest()
    return letters(digest)[:_SIGNATURE_CHARS]


def check(order_id: str, expires: datetime, signature: str, secret: bytes | None = None) -> str | None:
    """The purpose ``signature`` was made for (``act`` or ``view``), or ``None`` if it is not valid."""
    for purpose in PURPOSES:
        expected = sign(order_id, expires, purpose, secret)
        if hmac.compare_digest(expected.encode(), (signature or "").encode("utf-8", "replace")):
            return purpose
    return None


def base_url(config) -> str:
    given = str(config["dispatch.base_url"] or "").rstrip("/")
    return given or f"http://{config['web.host']}:{config['web.port']}"


def url(config, order_id: str, expires: datetime, purpose: str = "act") -> str:
    return f"{base_url(config)}/dept/{order_id}?sig={sign(order_id, expires, purpose)}"
