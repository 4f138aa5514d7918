"""The web UI's front door: who is asking, cross-site request refusal, the token cookie, headers.

One ASGI middleware, in front of every route (including 404s and the stylesheet):

* **Tokens.** A presented token that is not valid gets 401 (see :mod:`yuqing.web.auth`); a wrong
  cookie is also deleted, so the next visit is anonymous. A valid ``?token=`` on a GET is moved into
  an HttpOnly, SameSite=Strict cookie (Secure over https) and the browser is sent (303) to the same
  address without it, so the token does not stay in the address bar, history or Referer.
* **Cross-site requests.** A request that changes state (POST, PUT, PATCH, DELETE) must come from
  the service's own origin: its ``Origin`` header, or without one its ``Referer``, must name the
  scheme, host and port the request was sent to; otherwise 403. Requests authenticated by an
  ``Authorization`` header are exempt (a browser never adds that header on its own).
* **Headers.** A Content-Security-Policy that allows only the service's own stylesheet and forms
  (no script at all, no framing), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: same-origin`` and ``Cache-Control: no-store`` on pages and API answers.
  (``same-origin`` rather than ``no-referrer``: with ``no-referrer`` browsers send ``Origin: null``
  on the UI's own form posts, which the cross-site check above would then refuse.)
"""
from __future__ import annotations

import logging
import re
from typing import Callable, Mapping, Optional
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yuqing.web.auth import COOKIE, QUERY, InvalidToken, authenticate

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
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

MESSAGES = {
    "token": "令牌无效或已失效，请重新登录 (invalid or expired token)",
    "origin": "拒绝跨站请求：请求来源不是本服务 (cross-site request refused: the Origin or Referer "
              "is not this service)",
}


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, users: Mapping[str, Mapping[str, str]], error: ErrorRenderer) -> None:
        self.app = app
        self.users = users
        self.error = error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        https = request.url.scheme == "https"
        send = _with_headers(send, https, cacheable=request.url.path.startswith("/static/"))
        response = self._check(request, https)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _check(self, request: Request, https: bool) -> Optional[Response]:
        """A response that ends the request here (401, 403, the token redirect), or None to go on."""
        try:
            identity = authenticate(request, self.users)
        except InvalidToken as exc:
            log.warning("web: refused a request to %s with an invalid token (%s)", request.url.path, exc.source)
            response = self.error(request, 401, MESSAGES["token"])
            response.headers["www-authenticate"] = 'Bearer realm="yuqing"'
            if exc.source == "cookie":  # forget it: the next visit is anonymous
                response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=https)
            return response
        request.state.user = identity.user
        request.state.auth_source = identity.source
        if request.method not in SAFE_METHODS and identity.source != "header" and not same_origin(request):
            log.warning("web: refused a cross-site %s to %s (Origin %r, Referer %r)", request.method,
                        request.url.path, request.headers.get("origin"), request.headers.get("referer"))
            return self.error(request, 403, MESSAGES["origin"])
        if identity.query_token and request.method in ("GET", "HEAD"):
            response = RedirectResponse(_without_token(request), status_code=303)
            response.set_cookie(COOKIE, identity.query_token, path="/", httponly=True, samesite="strict",
                                secure=https)
            return response
        return None


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


def _with_headers(send: Send, https: bool, *, cacheable: bool) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in SECURITY_HEADERS.items():
                if name not in headers:
                    headers[name] = value
            if https and "strict-transport-security" not in headers:
                headers["strict-transport-security"] = "max-age=31536000"
            if not cacheable and "cache-control" not in headers:
                headers["cache-control"] = "no-store"
        await send(message)
    return wrapped
