"""Who is asking: a bearer token, a ``?token=`` (once), or a signed session cookie, mapped to a user.

Roles (:mod:`yuqing.users`): ``analyst``, ``responder`` and ``admin`` see personal data (phones,
addresses) in full; ``viewer`` sees it masked; ``admin`` also reads the audit log; ``owner`` (a
project owner) sees only their projects' 稳评 pages (:mod:`yuqing.app.web.scope`). A user may be
scoped to ``streets``; an owner's ``projects`` are theirs. With no users configured the UI is
read-only for an anonymous viewer.

A request that presents no credential is anonymous. A request that presents a token which is not one
of ``web.users``, or a session cookie that is forged, expired or revoked, is refused (401): it never
falls back to anonymous, so a mistyped or revoked token is noticed instead of silently showing less.
The credential used is the ``Authorization: Bearer`` header, else ``?token=``, else the
``yuqing_session`` cookie (:mod:`yuqing.app.web.sessions`); a ``?token=`` is always checked, since a
valid one signs the browser in (see :mod:`yuqing.app.web.security`).
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from starlette.requests import Request

from yuqing.users import projects_of, streets_of, verify_password
from yuqing.app.web.sessions import COOKIE, BadSession, Session, Sessions

#: the cookie older versions kept the raw token in: no longer read, deleted when seen
LEGACY_COOKIE = "yuqing_token"
QUERY = "token"


@dataclass(frozen=True)
class User:
    name: str
    role: str
    streets: Optional[tuple[str, ...]] = None  # the streets (街道) this user may see; None: all
    projects: Optional[tuple[str, ...]] = None  # an owner's projects (besides those they created)

    @property
    def can_act(self) -> bool:
        return self.role in ("analyst", "responder", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_owner(self) -> bool:
        """A project owner (项目负责人): their projects' pages only (:func:`yuqing.app.web.scope.may_open`)."""
        return self.role == "owner"

    @property
    def anonymous(self) -> bool:
        return self is ANONYMOUS or self == ANONYMOUS

    def sees_street(self, street: Optional[str]) -> bool:
        """Whether a record of ``street`` is this user's (a scoped user never sees street-less ones)."""
        return self.streets is None or street in self.streets


ANONYMOUS = User("anonymous", "viewer")


class InvalidToken(Exception):
    """A credential was presented (``source``: header, query or session) but is not valid.

    ``reason`` says why a session cookie was refused: ``forged``, ``expired`` or ``revoked``.
    """

    def __init__(self, source: str, reason: str = "unknown") -> None:
        super().__init__(f"invalid {'session' if source == 'session' else 'token'} in the {source} ({reason})")
        self.source = source
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    user: User
    source: Optional[str]  # "header", "query", "session"; None if anonymous
    query_token: Optional[str] = None  # a valid ?token= (signs the browser in)
    session: Optional[Session] = None


def user_from_entry(name: str, entry: Optional[Mapping[str, Any]]) -> User:
    entry = entry or {}
    return User(str(name), str(entry.get("role") or "viewer"), streets_of(entry), projects_of(entry))


def user_for_token(token: str, users: Mapping[str, Mapping[str, Any]]) -> Optional[User]:
    """The user whose token this is (compared in constant time), or ``None``."""
    found = None
    for name, entry in users.items():
        expected = str((entry or {}).get("token") or "")
        if expected and hmac.compare_digest(expected.encode(), token.encode()) and found is None:
            found = user_from_entry(name, entry)
    return found


def user_for_password(name: str, password: str, users: Mapping[str, Mapping[str, Any]]) -> Optional[User]:
    """The user ``name`` if ``password`` matches their ``password_hash``, else ``None``.

    An unknown name costs a hash check too, so the answer's timing does not tell which names exist.
    """
    entry = users.get(name) if name else None
    stored = str((entry or {}).get("password_hash") or "")
    if not stored:
        verify_password(password, _DUMMY_HASH)
        return None
    return user_from_entry(name, entry) if verify_password(password, stored) else None


_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def authenticate(request: Request, users: Mapping[str, Mapping[str, Any]],
                 sessions: Optional[Sessions] = None) -> Identity:
    """The request's user and where the credential came from; :class:`InvalidToken` if it is wrong."""
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
    if cookie and sessions is not None:
        try:
            session = sessions.read(cookie, users)
        except BadSession as exc:
            raise InvalidToken("session", exc.reason) from None
        return Identity(user_from_entry(session.user, users[session.user]), "session", session=session)
    return Identity(ANONYMOUS, None)


def identify(request: Request, users: Mapping[str, Mapping[str, Any]], sessions: Optional[Sessions] = None) -> User:
    """The request's user; raises :class:`InvalidToken` when a presented credential is not valid."""
    return authenticate(request, users, sessions).user


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
