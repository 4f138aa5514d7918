"""Signed session cookies and CSRF tokens of the web UI.

A sign-in (the /login form, or a valid ``?token=``) gives the browser a ``yuqing_session`` cookie:
``v1.<payload>.<signature>``, where the payload names the user, a random session id, the expiry and
a fingerprint of the user's credentials, and the signature is an HMAC-SHA256 with the service's
session key. The cookie never holds the token or the password, and it stops working when it
expires, when the user is removed from ``web.users``, when their token or password hash changes,
when they sign out (this process forgets it), or when the key changes.

The key is the environment variable ``YUQING_SESSION_SECRET``; without it a random key is made once
per process, so a restart signs everyone out.

A CSRF token is the HMAC of the session id (or, before sign-in, of the random ``yuqing_csrf``
cookie the sign-in page sets): every form carries it in ``csrf_token`` and the security middleware
checks it on every state-changing request.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Mapping, Optional

COOKIE = "yuqing_session"
CSRF_COOKIE = "yuqing_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECRET_ENV = "YUQING_SESSION_SECRET"

_PROCESS_SECRET = secrets.token_bytes(32)


def session_secret(environ: Mapping[str, str] = os.environ) -> bytes:
    """The signing key: ``$YUQING_SESSION_SECRET``, else a random key made once per process."""
    given = environ.get(SECRET_ENV, "")
    return given.encode("utf-8") if given else _PROCESS_SECRET


class BadSession(Exception):
    """A session cookie that cannot be used; ``reason``: ``forged``, ``expired`` or ``revoked``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"session {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Session:
    user: str
    sid: str
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    """Issues and checks session cookies and CSRF tokens with one key."""

    def __init__(self, secret: bytes, hours: float) -> None:
        self.secret = secret
        self.seconds = max(int(hours * 3600), 60)
        self._revoked: dict[str, int] = {}  # sid → expiry, for sign-outs
        self._lock = threading.Lock()

    def _mac(self, purpose: str, text: str) -> bytes:
        return hmac.new(self.secret, f"{purpose}\x1f{text}".encode("utf-8"), hashlib.sha256).digest()

    def fingerprint(self, entry: Mapping) -> str:
        """Changes when the user's token or password hash changes (old sessions then stop working)."""
        creds = f"{(entry or {}).get('token') or ''}\x1f{(entry or {}).get('password_hash') or ''}"
        return _b64(self._mac("credentials", creds)[:12])

    def issue(self, name: str, entry: Mapping, *, now: Optional[float] = None) -> tuple[str, Session]:
        """(cookie value, session) for a user who just proved who they are (at ``now``, default: now)."""
        issued = time.time() if now is None else now
        session = Session(user=name, sid=secrets.token_urlsafe(18), expires=int(issued) + self.seconds)
        payload = _b64(json.dumps({"u": name, "s": session.sid, "e": session.expires, "c": self.fingerprint(entry)},
                                  ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        return f"v1.{payload}.{_b64(self._mac('session', payload))}", session

    def read(self, value: str, users: Mapping[str, Mapping]) -> Session:
        """The session a cookie names; :class:`BadSession` when it is forged, expired or revoked."""
        try:
            version, payload, signature = value.split(".")
            ok = version == "v1" and hmac.compare_digest(_unb64(signature), self._mac("session", payload))
            data = json.loads(_unb64(payload)) if ok else None
            session = Session(user=str(data["u"]), sid=str(data["s"]), expires=int(data["e"])) if ok else None
        except (ValueError, KeyError, TypeError):
            session = None
        if session is None:
            raise BadSession("forged")
        if session.expires <= time.time():
            raise BadSession("expired")
        entry = users.get(session.user)
        if entry is None or not hmac.compare_digest(str(data.get("c", "")), self.fingerprint(entry)):
            raise BadSession("revoked")
        with self._lock:
            if session.sid in self._revoked:
                raise BadSession("revoked")
        return session

    def revoke(self, session: Session) -> None:
        """Sign a session out (in this process; the cookie is deleted too)."""
        now = time.time()
        with self._lock:
            for sid in [s for s, exp in self._revoked.items() if exp <= now]:
                del self._revoked[sid]
            self._revoked[session.sid] = session.expires

    # CSRF -------------------------------------------------------------------------------------------
    def csrf_token(self, binding: Optional[str]) -> str:
        """The token forms of this session (or pre-sign-in cookie) carry; "" without a binding."""
        return _b64(self._mac("csrf", binding)[:18]) if binding else ""

    def csrf_ok(self, binding: Optional[str], token: Optional[str]) -> bool:
        expected = self.csrf_token(binding)
        return bool(expected and token) and hmac.compare_digest(expected.encode(), str(token).encode())
