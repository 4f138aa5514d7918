"""Who is asking: a bearer token (header, ``?token=`` once, then a cookie) mapped to a user and role.

Roles: ``analyst`` and ``responder`` see personal data (phones, addresses) in full; ``viewer`` sees
it masked. With no users configured the UI is read-only for an anonymous viewer.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Mapping, Optional

from starlette.requests import Request


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def can_act(self) -> bool:
        return self.role in ("analyst", "responder", "admin")


ANONYMOUS = User("anonymous", "viewer")


def identify(request: Request, users: Mapping[str, Mapping[str, str]]) -> User:
    token = _token(request)
    if not token:
        return ANONYMOUS
    for name, entry in users.items():
        expected = str(entry.get("token") or "")
        if expected and hmac.compare_digest(expected.encode(), token.encode()):
            return User(name, str(entry.get("role") or "viewer"))
    return ANONYMOUS


def _token(request: Request) -> Optional[str]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query_params.get("token") or request.cookies.get("yuqing_token")
