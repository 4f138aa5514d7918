"""Who is asking: a bearer token (header, ``?token=`` once, then a cookie) mapped to a user and role.

Roles: ``analyst`` and ``responder`` see personal data (phones, addresses) in full; ``viewer`` sees
it masked. With no users configured the UI is read-only for an anonymous viewer.

A request that presents no token is anonymous. A request that presents a token which is not one of
``web.users`` is refused (401): it never falls back to anonymous, so a mistyped or revoked token is
noticed instead of silently showing less. The token used is the ``Authorization: Bearer`` header,
else ``?token=``, else the ``yuqing_token`` cookie; a ``?token=`` is always checked, since a valid
one is written into the cookie (see :mod:`yuqing.web.security`).
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Mapping, Optional

from starlette.requests import Request

COOKIE = "yuqing_token"
QUERY = "token"


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def can_act(self) -> bool:
        return self.role in ("analyst", "responder", "admin")


ANONYMOUS = User("anonymous", "viewer")


class InvalidToken(Exception):
    """A token was presented (``source``: header, query or cookie) but belongs to no user."""

    def __init__(self, source: str) -> None:
        super().__init__(f"invalid token in the {source}")
        self.source = source


@dataclass(frozen=True)
class Identity:
    user: User
    source: Optional[str]  # where the token came from: "header", "query", "cookie"; None if anonymous
    query_token: Optional[str] = None  # a valid ?token= (to be moved into the cookie)


def user_for_token(token: str, users: Mapping[str, Mapping[str, str]]) -> Optional[User]:
    """The user whose token this is (compared in constant time), or ``None``."""
    found = None
    for name, entry in users.items():
        expected = str((entry or {}).get("token") or "")
        if expected and hmac.compare_digest(expected.encode(), token.encode()) and found is None:
            found = User(str(name), str((entry or {}).get("role") or "viewer"))
    return found


def authenticate(request: Request, users: Mapping[str, Mapping[str, str]]) -> Identity:
    """The request's user and where the token came from; :class:`InvalidToken` for a wrong token."""
    header = _bearer(request)
    query = request.query_params.get(QUERY)
    cookie = request.cookies.get(COOKIE)
    query_user = None
    if query:  # checked even when a header wins: a valid one is written into the cookie
        query_user = user_for_token(query, users)
        if query_user is None:
            raise InvalidToken("query")
    if header is not None:
        user = user_for_token(header, users) if header else None
        if user is None:
            raise InvalidToken("header")
        return Identity(user, "header", query if query_user else None)
    if query_user is not None:
        return Identity(query_user, "query", query)
    if cookie:
        user = user_for_token(cookie, users)
        if user is None:
            raise InvalidToken("cookie")
        return Identity(user, "cookie")
    return Identity(ANONYMOUS, None)


def identify(request: Request, users: Mapping[str, Mapping[str, str]]) -> User:
    """The request's user; raises :class:`InvalidToken` when a presented token is not valid."""
    return authenticate(request, users).user


def _bearer(request: Request) -> Optional[str]:
    """The bearer token of the Authorization header ("" if empty); None without one.

    Other schemes (``Basic`` from a proxy in front) are not ours and are ignored.
    """
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()
