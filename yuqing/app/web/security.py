"""The web UI's front door: who is asking, cross-site request refusal, sessions, CSRF, headers.

One ASGI middleware, in front of every route (including 404s and the stylesheet):

* **Credentials.** A presented token that is not valid, or a session cookie that is forged, expired
  or revoked, gets 401 (see :mod:`yuqing.app.web.auth`); a bad session cookie is also deleted, so the
  next visit is anonymous. Each refusal except an expired session is written to the audit log
  (``sign_in_failed``; the token itself never is). A valid ``?token=`` on a GET signs the browser
  in: it gets a signed session cookie (:mod:`yuqing.app.web.sessions`: HttpOnly, SameSite=Lax, Secure
  over https; never the token) and is sent (303) to the same address without the token, so the
  token does not stay in the address bar, history or Referer. The cookie older versions kept the
  raw token in (``yuqing_token``) is no longer read and is deleted when a browser still sends it.
* **Roles limited to some pages.** A project owner opens only the 稳评 pages of
  :data:`yuqing.app.web.scope.OWNER_PATHS` (403 elsewhere, before any route runs; ``/`` sends them to
  their projects).
* **Cross-site requests.** A request that changes state (POST, PUT, PATCH, DELETE) must come from
  the service's own origin: its ``Origin`` header, or without one its ``Referer``, must name the
  scheme, host and port the request was sent to; otherwise 403. It must also carry the CSRF token
  of its session (form field ``csrf_token`` or header ``X-CSRF-Token``); otherwise 403. Requests
  authenticated by an ``Authorization`` header are exempt from both (a browser never adds that
  header on its own). Under :data:`SIGNED_LINK_PREFIXES` (a department's 报送单 pages) the session
  token is not asked for — those routes never read a session; the signed link in the URL is their
  credential and their forms' token (see :mod:`yuqing.app.web.department`) — but the origin check holds.
* **Headers.** A Content-Security-Policy that allows only the service's own stylesheet, scripts
  (static files: no inline script, no ``eval``), same-origin requests (the queue's refresh) and
  forms (no framing), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: same-origin`` and ``Cache-Control: no-store`` on pages and API answers.
  (``same-origin`` rather than ``no-referrer``: with ``no-referrer`` browsers send ``Origin: null``
  on the UI's own form posts, which the cross-site check above would then refuse.)
"""
from __future__ import annotations

import logging
import re
from typing import Any, Callable, Mapping, Optional
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yuqing.app.web import scope as scoping
from yuqing.app.web.auth import ANONYMOUS, LEGACY_COOKIE, QUERY, InvalidToken, authenticate, user_for_token
from yuqing.app.web.sessions import COOKIE, CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, Sessions

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}

#: (request, status, message) → the error response (JSON under /api/, an HTML page elsewhere)
ErrorRenderer = Callable[[Request, int, str], Response]

#: (request, action, keyword arguments of governance.audit.append) → None; called in a worker thread
AuditWriter = Callable[..., None]

#: where a bad session cookie is dropped instead of answered 401 (the way back in)
LENIENT_PATHS = frozenset({"/login", "/static/style.css"})

#: the largest form body read for its CSRF token (the UI's forms are a few hundred bytes)
MAX_FORM_BYTES = 64 * 1024

#: paths whose forms are authorised by a signed link (checked by their routes), not by a session
SIGNED_LINK_PREFIXES = ("/dept/",)

MESSAGES = {
    "token": "令牌无效或已失效，请重新登录 (invalid or expired token)",
    "session": "登录已失效，请重新登录 (your session is no longer valid: sign in again at /login)",
    "origin": "拒绝跨站请求：请求来源不是本服务 (cross-site request refused: the Origin or Referer "
              "is not this service)",
    "csrf": "拒绝请求：表单的 CSRF 令牌缺失或无效，请刷新页面后重试 (request refused: the form's CSRF "
            "token is missing or wrong; reload the page and try again)",
    "form": "表单过大 (form too large)",
    "owner": "项目负责人只能查看自己项目的稳评页面 (a project owner may open only their projects' pages "
             "under /projects)",
}


def cookie_options(https: bool) -> dict[str, Any]:
    """How every cookie of the service is set: whole site, HttpOnly, SameSite=Lax, Secure over https."""
    return {"path": "/", "httponly": True, "samesite": "lax", "secure": https}


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, users: Mapping[str, Mapping[str, Any]], error: ErrorRenderer,
                 sessions: Sessions, audit: Optional[AuditWriter] = None) -> None:
        self.app = app
        self.users = users
        self.error = error
        self.sessions = sessions
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        https = request.url.scheme == "https"
        forget = [LEGACY_COOKIE] if LEGACY_COOKIE in request.cookies else []  # a raw token of older versions
        response = await self._check(request, https, forget)
        send = _with_headers(send, https, cacheable=request.url.path.startswith("/static/"), forget=forget)
        if (response is None and request.method not in SAFE_METHODS and request.state.auth_source != "header"
                and not request.url.path.startswith(SIGNED_LINK_PREFIXES)):
            response, receive = await self._check_csrf(request, receive)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _check(self, request: Request, https: bool, forget: list[str]) -> Optional[Response]:
        """A response that ends the request here (401, 403, the token redirect), or None to go on.

        A bad session cookie on the sign-in page (or the stylesheet) is only forgotten: the way back
        in must not answer 401 to a browser whose session has expired.
        """
        try:
            identity = authenticate(request, self.users, self.sessions)
        except InvalidToken as exc:
            if exc.source == "session" and (request.url.path in LENIENT_PATHS or request.url.path.startswith("/static/")):
                forget.append(COOKIE)
                request.state.user, request.state.auth_source, request.state.session = ANONYMOUS, None, None
                return None
            log.warning("web: refused a request to %s with an invalid credential (%s, %s)", request.url.path,
                        exc.source, exc.reason)
            message = MESSAGES["session" if exc.source == "session" else "token"]
            response = self.error(request, 401, message)
            response.headers["www-authenticate"] = 'Bearer realm="yuqing"'
            if exc.source == "session":  # forget it: the next visit is anonymous
                response.delete_cookie(COOKIE, **cookie_options(https))
            if exc.reason != "expired":
                await self._audit(request, "sign_in_failed", who="anonymous", role=None,
                                  detail=f"{request.method} {request.url.path}: {_refusal(exc)}")
            return response
        request.state.user = identity.user
        request.state.auth_source = identity.source
        request.state.session = identity.session
        if request.method not in SAFE_METHODS and identity.source != "header" and not same_origin(request):
            log.warning("web: refused a cross-site %s to %s (Origin %r, Referer %r)", request.method,
                        request.url.path, request.headers.get("origin"), request.headers.get("referer"))
            return self.error(request, 403, MESSAGES["origin"])
        if identity.query_token and request.method in ("GET", "HEAD"):
            user = identity.user if identity.source == "query" else user_for_token(identity.query_token, self.users)
            response = RedirectResponse(_without_token(request), status_code=303)
            value, _session = self.sessions.issue(user.name, self.users[user.name])
            response.set_cookie(COOKIE, value, max_age=self.sessions.seconds, **cookie_options(https))
            await self._audit(request, "sign_in", who=user.name, role=user.role, target_kind="session",
                              detail="?token= 链接登录")
            return response
        home = scoping.landing(identity.user, request.url.path)
        if home is not None and request.method in SAFE_METHODS:
            return RedirectResponse(home, status_code=303)
        if not scoping.may_open(identity.user, request.url.path):
            return self.error(request, 403, MESSAGES["owner"])
        return None

    async def _check_csrf(self, request: Request, receive: Receive) -> tuple[Optional[Response], Receive]:
        """Reads the form (at most :data:`MAX_FORM_BYTES`) for its token; replays it to the app."""
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM_BYTES:
                return self.error(request, 413, MESSAGES["form"]), receive
        token = request.headers.get(CSRF_HEADER)
        if token is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            token = (parse_qs(body.decode("latin-1"), max_num_fields=100).get(CSRF_FIELD) or [None])[0]
        session = getattr(request.state, "session", None)
        binding = session.sid if session is not None else request.cookies.get(CSRF_COOKIE)
        if not self.sessions.csrf_ok(binding, token):
            log.warning("web: refused a %s to %s without a valid CSRF token", request.method, request.url.path)
            return self.error(request, 403, MESSAGES["csrf"]), receive
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()
        return None, replay

    async def _audit(self, request: Request, action: str, **fields: Any) -> None:
        if self.audit is None:
            return
        try:
            await run_in_threadpool(self.audit, request, action, **fields)
        except Exception as exc:  # noqa: BLE001 - a refusal must still be answered
            log.error("web: could not write the audit event %s for %s: %s", action, request.url.path, exc)


def _refusal(exc: InvalidToken) -> str:
    if exc.source == "session":
        return {"forged": "伪造的会话 cookie (forged session cookie)",
                "revoked": "会话已撤销 (revoked session)"}.get(exc.reason, exc.reason)
    return f"无效令牌 (invalid token in the {exc.source})"


def own_origin(request: Request) -> tuple[str, str, int]:
    """(scheme, host, port) this request was sent to."""
    scheme = request.url.scheme
    return _origin_tuple(f"{scheme}://{request.headers.get('host') or request.url.netloc}")


def same_origin(request: Request) -> bool:
    """Whether the request's Origin (or, absent, its Referer) is this service; False if neither is sent."""
    origin = request.headers.get("origin")
    if origin is None:
        origin = request.headers.get("referer")
    if not origin or origin.strip().lower() == "null":
        return False
    try:
        return _origin_tuple(origin.strip()) == own_origin(request)
    except ValueError:
        return False


def _origin_tuple(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) origin: {url!r}")
    port = parts.port or (443 if scheme == "https" else 80)  # ValueError for a bad port
    return scheme, parts.hostname.lower(), port


def _without_token(request: Request) -> str:
    """The request's own path and query, without ``token`` (relative, so never another host)."""
    raw = request.scope.get("raw_path") or request.url.path.encode("utf-8")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
    path = re.sub(r"^[/\\]+", "/", path)  # "//evil.example" or "/\\evil.example" would be another host
    rest = [(k, v) for k, v in request.query_params.multi_items() if k != QUERY]
    return path + ("?" + urlencode(rest) if rest else "")


def _with_headers(send: Send, https: bool, *, cacheable: bool, forget: list[str]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name in forget:  # cookies the browser should drop
                headers.append("set-cookie", f"{name}=\"\"; Max-Age=0; Path=/; HttpOnly; SameSite=lax"
                               + ("; Secure" if https else ""))
            for name, value in SECURITY_HEADERS.items():
                if name not in headers:
                    headers[name] = value
            if https and "strict-transport-security" not in headers:
                headers["strict-transport-security"] = "max-age=31536000"
            if not cacheable and "cache-control" not in headers:
                headers["cache-control"] = "no-store"
        await send(message)
    return wrapped
