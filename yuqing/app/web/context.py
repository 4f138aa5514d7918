"""What every page module of the web UI is given: the store, the renderer, the masking point, the audit log.

A page module (``yuqing.app.web.views.*``, or any module named in :data:`yuqing.app.web.app.PAGE_MODULES`)
defines ``routes(web: Web) -> list[Route]`` and reaches the store, the templates, the user and the
audit log only through the :class:`Web` it is given, so scoping, masking and auditing stay one
implementation each.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Optional

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from yuqing import vocabulary
from yuqing.privacy import can_see_pii
from yuqing.records import ALERT_STATES, CATEGORIES, DEFAULT_TZ, SEVERITIES
from yuqing.app.web import scope
from yuqing.app.web.auth import ANONYMOUS, User
from yuqing.app.web.redact import Redactor
from yuqing.app.web.sessions import CSRF_COOKIE, Sessions

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
#: page context that is the visitor's own input or fixed UI data, rendered without redaction
PLAIN_CONTEXT = frozenset({"query", "filters", "actions", "csrf_token", "error", "next_path", "labels", "chart",
                           "refresh_seconds", "sort", "counts", "tasks"})
#: how many ids an audit event names
AUDIT_IDS = 20
#: how many of an alert's documents are shown (and whose addresses are hidden)
DOCS_PER_ALERT = 20


def highlight(fragment: str) -> Markup:
    """Escape a search fragment, then turn its 【】 match markers into ``<mark>``."""
    return Markup(str(escape(fragment)).replace("【", "<mark>").replace("】", "</mark>"))


def _dt(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(DEFAULT_TZ).strftime("%Y-%m-%d %H:%M")
    return value or ""


def json_data(value: Any) -> Markup:
    """A value for a ``<script type="application/json">`` block (``<``, ``>``, ``&`` escaped)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def safe_url(value: Any) -> Optional[str]:
    """A crawled URL fit for a link: http(s) only (never ``javascript:`` or ``data:``)."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else None


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["highlight"] = highlight
    env.filters["dt"] = _dt
    env.filters["json_data"] = json_data
    env.filters["safe_url"] = safe_url
    for kind in vocabulary.VOCABULARIES:  # {{ a.severity|zh_severity }}, {{ r.needs|zh_needs }}
        env.filters[f"zh_{kind}"] = lambda code, kind=kind: vocabulary.label(kind, code)
        env.filters[f"zh_{kind}s"] = lambda codes, kind=kind: vocabulary.labels(kind, codes)
    env.globals["vocabulary"] = vocabulary
    return env


def doc_ids_of(alerts: Iterable) -> list[str]:
    """The documents shown with these alerts (whose extracted addresses are hidden from viewers)."""
    return [doc_id for a in alerts for doc_id in (a.doc_ids or [])[:DOCS_PER_ALERT]]


class Web:
    """The web UI's shared services for one app (one store, one set of users and sessions)."""

    def __init__(self, config, store, sessions: Sessions) -> None:
        self.config = config
        self.store = store
        self.sessions = sessions
        self.users = config["web.users"] or {}
        self.env = environment()

    # who is asking -------------------------------------------------------------------------------
    @staticmethod
    def user_of(request: Request) -> User:
        return getattr(request.state, "user", ANONYMOUS)

    def require_actor(self, request: Request) -> User:
        user = self.user_of(request)
        if not user.can_act:
            raise HTTPException(403, "只读角色不能操作，请以分析员或处置人员登录 "
                                     "(your role may only read; sign in as an analyst or responder)")
        return user

    def redactor(self, request: Request, doc_ids: Iterable[str] = ()) -> Redactor:
        """What this request's role may see (learns the home addresses of ``doc_ids`` when it must)."""
        return Redactor.for_role(can_see_pii(self.user_of(request).role), self.store, doc_ids)

    def where(self, request: Request, conditions: Optional[dict[str, Any]] = None, *,
              field: str = "street") -> Optional[dict[str, Any]]:
        """``conditions`` within the user's streets; ``None`` when nothing can match."""
        return scope.where(self.user_of(request), conditions, field=field)

    def visible_alert(self, request: Request, alert_id: str):
        """The alert, or 404 whether it is missing or of another street (the same answer for both)."""
        alert = self.store.get_record("alerts", alert_id)
        if alert is None or not self.user_of(request).sees_street(alert.street):
            raise HTTPException(404, "no such alert")
        return alert

    def visible_incident(self, request: Request, incident_id: str):
        """The incident, or 404 when missing or when none of its streets is the user's."""
        incident = self.store.get_record("incidents", incident_id)
        user = self.user_of(request)
        if incident is None or (user.streets is not None and not set(incident.streets) & set(user.streets)):
            raise HTTPException(404, "no such incident")
        return incident

    # rendering ------------------------------------------------------------------------------------
    def csrf_token(self, request: Request) -> str:
        session = getattr(request.state, "session", None)
        return self.sessions.csrf_token(session.sid if session is not None else request.cookies.get(CSRF_COOKIE))

    def render(self, request: Request, template: str, status: int = 200, **data: Any) -> HTMLResponse:
        data.setdefault("csrf_token", self.csrf_token(request))
        data.update(user=self.user_of(request), severities=SEVERITIES, states=ALERT_STATES, categories=CATEGORIES)
        return HTMLResponse(self.env.get_template(template).render(request=request, **data), status_code=status)

    def page(self, request: Request, template: str, view: Redactor, **context: Any) -> HTMLResponse:
        """A page whose context (all but :data:`PLAIN_CONTEXT`) goes through the role's redactor."""
        data = {k: (v if k in PLAIN_CONTEXT else view.value(v)) for k, v in context.items()}
        return self.render(request, template, pii=view.pii, **data)

    def json(self, request: Request, value: Any, view: Optional[Redactor] = None) -> JSONResponse:
        view = view or self.redactor(request)
        return JSONResponse(view.data(json.loads(json.dumps(value, default=str))))

    def error_response(self, request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)
        return HTMLResponse(self.env.get_template("error.html").render(status=status, message=message,
                                                                       user=self.user_of(request)),
                            status_code=status)

    # the audit log --------------------------------------------------------------------------------
    def record(self, request: Request, action: str, **fields: Any) -> None:
        """One audit event of this request (the user and client address filled in)."""
        from governance import audit

        user = self.user_of(request)
        fields.setdefault("who", user.name)
        fields.setdefault("role", user.role)
        audit.append(self.store, action, client=request.client.host if request.client else None, **fields)

    def audit_view(self, request: Request, view: Redactor, items: list, doc_ids: Iterable[str], *,
                   target_kind: str, target_id: Optional[str] = None, detail: str = "") -> None:
        """A ``view_personal_data`` event when ``items`` were shown in full and hold personal data."""
        if not view.pii or not items:
            return
        masking = Redactor.for_role(False, self.store, doc_ids)
        shown = [item for item in items if masking.reveals(item)]
        if not shown:
            return
        if target_id is None:
            ids = [str(getattr(i, "id", "")) for i in shown[:AUDIT_IDS]]
            more = f" 等 {len(shown)} 条" if len(shown) > AUDIT_IDS else ""
            detail = f"{detail}：{'、'.join(ids)}{more}" if detail else f"{'、'.join(ids)}{more}"
        self.record(request, "view_personal_data", target_kind=target_kind, target_id=target_id, detail=detail)
