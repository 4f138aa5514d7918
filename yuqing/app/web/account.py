"""Signing in and out (``/login``, ``/logout``) and the admins' audit page (``/admin/audit``).

The sign-in form takes a token, or a user name and password (for users whose ``web.users`` entry has
a ``password_hash``). Success gives a signed session cookie (:mod:`yuqing.app.web.sessions`) and a
``sign_in`` audit event; failure answers 401 and writes ``sign_in_failed`` — naming the user only
when it is a known one, so a password typed into the name field is never kept. Every form carries
a CSRF token; before sign-in it is bound to a random ``yuqing_csrf`` cookie this page sets.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Callable, Mapping, Optional

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from yuqing.records import DEFAULT_TZ
from yuqing.app.web.auth import User, user_for_password, user_for_token
from yuqing.app.web.params import filter_param, int_param
from yuqing.app.web.security import cookie_options
from yuqing.app.web.sessions import COOKIE, CSRF_COOKIE, Sessions

MAX_AUDIT_ROWS = 1000
MESSAGES = {
    "empty": "请输入令牌，或用户名和密码 (enter a token, or a user name and password)",
    "failed": "登录失败：令牌或用户名、密码不正确 (sign-in failed: wrong token, or wrong user name or password)",
    "admin": "只有管理员可以查看审计日志 (only admins may read the audit log)",
}


def safe_next(value: Optional[str]) -> str:
    """Where to go after signing in: a path of this site only (never ``//host`` or ``/\\host``)."""
    if not value or not value.startswith("/") or value.startswith("//") or value.startswith("/\\"):
        return "/"
    return value if len(value) <= 2000 and not any(c in value for c in "\r\n") else "/"


def account_routes(*, users: Mapping[str, Mapping[str, Any]], sessions: Sessions, store,
                   render: Callable[..., Response], record: Callable[..., None]) -> list[Route]:
    """The routes, built over the app's renderer and audit writer."""

    def https(request: Request) -> bool:
        return request.url.scheme == "https"

    def login_page(request: Request, *, status: int = 200, error: str = "", next_path: str = "/") -> Response:
        seed = None
        if getattr(request.state, "session", None) is None and not request.cookies.get(CSRF_COOKIE):
            seed = secrets.token_urlsafe(18)  # binds the form's CSRF token before there is a session
        token = sessions.csrf_token(seed) if seed else None
        response = render(request, "login.html", status=status, error=error, next_path=next_path,
                          **({"csrf_token": token} if token else {}))
        if seed:
            response.set_cookie(CSRF_COOKIE, seed, **cookie_options(https(request)))
        return response

    async def login(request: Request) -> Response:
        if request.method != "POST":
            return login_page(request, next_path=safe_next(request.query_params.get("next")))
        form = await request.form()
        token, name = str(form.get("token") or "").strip(), str(form.get("user") or "").strip()
        password, next_path = str(form.get("password") or ""), safe_next(str(form.get("next") or ""))
        if not token and not (name and password):
            return login_page(request, status=401, error=MESSAGES["empty"], next_path=next_path)
        if token:
            method, user = "令牌", user_for_token(token, users)
        else:
            method, user = "密码", await run_in_threadpool(user_for_password, name, password, users)
        if user is None:
            known = users.get(name) if name and not token else None
            await run_in_threadpool(record, request, "sign_in_failed", who=name if known is not None else "anonymous",
                                    role=str(known.get("role") or "viewer") if known is not None else None,
                                    target_kind="session",
                                    detail=f"登录页（{method}）：" + ("令牌无效" if token else
                                                                "密码错误" if known is not None else "未知用户"))
            return login_page(request, status=401, error=MESSAGES["failed"], next_path=next_path)
        value, session = sessions.issue(user.name, users[user.name])
        response = RedirectResponse(next_path, status_code=303)
        response.set_cookie(COOKIE, value, max_age=sessions.seconds, **cookie_options(https(request)))
        await run_in_threadpool(record, request, "sign_in", who=user.name, role=user.role, target_kind="session",
                                detail=f"登录页（{method}）")
        return response

    async def logout(request: Request) -> Response:
        if request.method != "POST":
            return render(request, "logout.html")
        session = getattr(request.state, "session", None)
        if session is not None:
            sessions.revoke(session)
            await run_in_threadpool(record, request, "sign_out", target_kind="session")
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE, **cookie_options(https(request)))
        return response

    def audit_page(request: Request) -> Response:
        from governance import audit

        user: User = request.state.user
        if not user.is_admin:
            raise HTTPException(403, MESSAGES["admin"])
        action = filter_param(request, "action")
        since = _since(filter_param(request, "since"))
        limit = int_param(request, "limit", 200, MAX_AUDIT_ROWS)
        events = audit.find(store, since=since, who=filter_param(request, "who"), actions=[action] if action else (),
                            limit=limit)
        return render(request, "audit.html", events=events, labels=audit.ACTIONS,
                      filters=dict(request.query_params))

    return [Route("/login", login, methods=["GET", "POST"]), Route("/logout", logout, methods=["GET", "POST"]),
            Route("/admin/audit", audit_page)]


def _since(value: Optional[str]) -> Optional[datetime]:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"参数 since 必须是日期，例如 2026-12-01 (parameter since must be a date such as "
                                 f"2026-12-01, not {value[:40]!r})") from None
    return when if when.tzinfo else when.replace(tzinfo=DEFAULT_TZ)
