"""The analyst web UI and its JSON API.

Everything shown comes from crawled text and is therefore hostile: templates autoescape, search
highlights are escaped before the 【】 markers become ``<mark>``, and personal data is masked for
roles that do not need it — in one place, :class:`yuqing.web.redact.Redactor`, which every page
context and JSON body passes through. JSON errors have one shape:
``{"error": {"status": N, "message": "…"}}``.

Tokens, sessions, cross-site request refusal and security headers are :mod:`yuqing.web.security`'s;
the sign-in page and the audit page are :mod:`yuqing.web.account`'s. A user scoped to streets sees
only their streets (:mod:`yuqing.web.scope`, applied in every store query): an alert of another
street answers 404, as if it did not exist. Every response that shows personal data unmasked is
written to the audit log (:mod:`governance.audit`), one event per request naming what was shown,
and so is every alert state change.
Handlers that read the store are plain functions, which Starlette runs in its thread pool: a slow
store call never holds the event loop. Query parameters are checked (400 with a message in Chinese
and English): ``limit`` is a whole number from 1, capped; a search query is at most
:data:`MAX_QUERY_CHARS` characters and :data:`MAX_QUERY_TERMS` terms.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Optional

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from yuqing.errors import ConflictError, NotFound, TransitionError, YuqingError
from yuqing.privacy import can_see_pii
from yuqing.records import ALERT_STATES, CATEGORIES, SEVERITIES
from yuqing.storage import textindex
from yuqing.web import scope
from yuqing.web.account import account_routes
from yuqing.web.auth import ANONYMOUS, User
from yuqing.web.redact import Redactor
from yuqing.web.security import SecurityMiddleware
from yuqing.web.sessions import CSRF_COOKIE, Sessions, session_secret

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STYLESHEET = HERE / "static" / "style.css"

#: action in the UI → the alert state it leads to
ACTIONS = {"ack": "acknowledged", "dispatch": "dispatched", "resolve": "resolved", "dismiss": "dismissed",
           "duplicate": "duplicate"}

#: a search query's limits: longer ones are refused (400) before they reach the store
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 10
#: the most rows one request may ask for
MAX_ALERTS = 500
MAX_HITS = 100
#: longest accepted filter value (street, rule)
MAX_FILTER_CHARS = 100
#: how many of an alert's documents are shown (and whose addresses are hidden)
DOCS_PER_ALERT = 20

#: page context that is the visitor's own input or fixed UI data, rendered without redaction
_PLAIN_CONTEXT = frozenset({"query", "filters", "actions", "csrf_token", "error", "next_path", "labels"})
#: how many ids an audit event names
AUDIT_IDS = 20


def highlight(fragment: str) -> Markup:
    """Escape a search fragment, then turn its 【】 match markers into ``<mark>``."""
    return Markup(str(escape(fragment)).replace("【", "<mark>").replace("】", "</mark>"))


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["highlight"] = highlight
    env.filters["dt"] = lambda v: v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else (v or "")
    return env


def create_app(config, store, *, sessions: Optional[Sessions] = None) -> Starlette:
    """The web app over ``store``; ``sessions`` defaults to the key of ``$YUQING_SESSION_SECRET``."""
    from governance import audit

    env = _env()
    users = config["web.users"] or {}
    sessions = sessions or Sessions(session_secret(), float(config["web.session_hours"]))
    stylesheet = STYLESHEET.read_bytes()

    def user_of(request: Request) -> User:
        return getattr(request.state, "user", ANONYMOUS)

    def redactor(request: Request, doc_ids: Iterable[str] = ()) -> Redactor:
        """What this request's role may see (learns the home addresses of ``doc_ids`` when it must)."""
        return Redactor.for_role(can_see_pii(user_of(request).role), store, doc_ids)

    def csrf_token(request: Request) -> str:
        session = getattr(request.state, "session", None)
        return sessions.csrf_token(session.sid if session is not None else request.cookies.get(CSRF_COOKIE))

    def render(request: Request, template: str, status: int = 200, **data: Any) -> HTMLResponse:
        data.setdefault("csrf_token", csrf_token(request))
        data.update(user=user_of(request), severities=SEVERITIES, states=ALERT_STATES)
        return HTMLResponse(env.get_template(template).render(request=request, **data), status_code=status)

    def page(request: Request, template: str, view: Redactor, **context: Any) -> HTMLResponse:
        data = {k: (v if k in _PLAIN_CONTEXT else view.value(v)) for k, v in context.items()}
        return render(request, template, pii=view.pii, **data)

    def record(request: Request, action: str, **fields: Any) -> None:
        """One audit event of this request (the user and client address filled in)."""
        user = user_of(request)
        fields.setdefault("who", user.name)
        fields.setdefault("role", user.role)
        audit.append(store, action, client=request.client.host if request.client else None, **fields)

    def audit_view(request: Request, view: Redactor, items: list, doc_ids: Iterable[str], *, target_kind: str,
                   target_id: Optional[str] = None, detail: str = "") -> None:
        """A ``view_personal_data`` event when ``items`` were shown in full and hold personal data."""
        if not view.pii or not items:
            return
        masking = Redactor.for_role(False, store, doc_ids)
        shown = [item for item in items if masking.reveals(item)]
        if not shown:
            return
        if target_id is None:
            ids = [str(getattr(i, "id", "")) for i in shown[:AUDIT_IDS]]
            more = f" 等 {len(shown)} 条" if len(shown) > AUDIT_IDS else ""
            detail = f"{detail}：{'、'.join(ids)}{more}" if detail else f"{'、'.join(ids)}{more}"
        record(request, "view_personal_data", target_kind=target_kind, target_id=target_id, detail=detail)

    def error_response(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)
        return HTMLResponse(env.get_template("error.html").render(status=status, message=message,
                                                                  user=user_of(request)), status_code=status)

    def visible_alert(request: Request, alert_id: str):
        """The alert, or 404 whether it is missing or of another street (the same answer for both)."""
        alert = store.get_record("alerts", alert_id)
        if alert is None or not user_of(request).sees_street(alert.street):
            raise HTTPException(404, "no such alert")
        return alert

    def alerts_where(request: Request, conditions: dict[str, Any]) -> Optional[dict[str, Any]]:
        return scope.where(user_of(request), conditions)

    # pages (plain functions: Starlette runs them in its thread pool) -------------------------------
    def home(request: Request):
        stats = scope.stats(store, user_of(request))
        where = alerts_where(request, {"state": ["new", "acknowledged", "dispatched"]})
        queue = store.find_records("alerts", where, order_by="created_at", descending=True,
                                   limit=50) if where is not None else []
        view = redactor(request, _doc_ids(queue))
        audit_view(request, view, queue, _doc_ids(queue), target_kind="alerts", detail="总览")
        return page(request, "home.html", view, stats=stats, alerts=_by_severity(queue))

    def alerts_page(request: Request):
        where = alerts_where(request, _alert_filters(request))
        alerts = store.find_records("alerts", where, order_by="created_at", descending=True,
                                    limit=200) if where is not None else []
        view = redactor(request, _doc_ids(alerts))
        audit_view(request, view, alerts, _doc_ids(alerts), target_kind="alerts", detail="预警队列")
        return page(request, "alerts.html", view, alerts=_by_severity(alerts), filters=dict(request.query_params))

    def alert_detail(request: Request):
        alert = visible_alert(request, request.path_params["alert_id"])
        docs = store.get_documents(alert.doc_ids[:DOCS_PER_ALERT])
        view = redactor(request, _doc_ids([alert]))
        audit_view(request, view, [alert, *docs], _doc_ids([alert]), target_kind="alerts", target_id=alert.id,
                   detail="预警详情")
        return page(request, "alert.html", view, alert=alert, docs=docs, actions=ACTIONS)

    async def alert_action(request: Request):
        user = user_of(request)
        if not user.can_act:
            raise HTTPException(403, "your role may only read; sign in as an analyst or responder")
        form = await request.form()
        alert_id, action = request.path_params["alert_id"], request.path_params["action"]
        if action not in ACTIONS:
            raise HTTPException(404, f"unknown action {action}")
        await run_in_threadpool(visible_alert, request, alert_id)
        note, assignee = str(form.get("note") or ""), form.get("assignee") or None
        try:
            alert = await run_in_threadpool(change_alert_state, store, alert_id, ACTIONS[action], who=user.name,
                                            note=note, assignee=assignee)
        except (TransitionError, ConflictError) as exc:
            raise HTTPException(409, str(exc))
        except NotFound:
            raise HTTPException(404, "no such alert")
        change = alert.history[-1]
        await run_in_threadpool(record, request, "state_change", target_kind="alerts", target_id=alert_id,
                                detail=_change_detail(change.from_state, change.to_state, assignee, note))
        return RedirectResponse(f"/alerts/{alert_id}", status_code=303)

    def search_page(request: Request):
        query = search_query(request)
        street = scope.street_filter(user_of(request), _filter(request, "street"))
        category = _choice(request, "category", CATEGORIES)
        result = store.search(query, street=street, category=category, limit=50) if query.strip() else None
        doc_ids = [h.document.id for h in result.hits] if result else []
        view = redactor(request, doc_ids)
        if result:
            audit_view(request, view, [h.document for h in result.hits], doc_ids, target_kind="search",
                       detail=f"检索「{query}」")
        return page(request, "search.html", view, query=query, result=view.search(result, query) if result else None)

    def incidents_page(request: Request):
        where = scope.where(user_of(request), field="streets")
        incidents = store.find_records("incidents", where, order_by="last_seen", descending=True,
                                       limit=100) if where is not None else []
        return page(request, "incidents.html", redactor(request), incidents=incidents)

    def rescue_page(request: Request):
        where = scope.where(user_of(request))
        requests_ = store.find_records("rescue_requests", where, order_by="urgency", descending=True,
                                       limit=200) if where is not None else []
        states = {}  # where the request's alert stands: acknowledged, dispatched, resolved…
        for r in requests_:
            alert_id = getattr(r, "alert_id", None)
            alert = store.get_record("alerts", alert_id) if alert_id else None
            if alert is not None:
                states[r.id] = alert.state
        view = redactor(request)
        audit_view(request, view, requests_, (), target_kind="rescue_requests", detail="求救页")
        return page(request, "rescue.html", view, requests=requests_, request_states=states)

    def sources_page(request: Request):
        from yuqing.scheduler import recent_failures
        return page(request, "sources.html", redactor(request), sources=store.find_records("sources", order_by="id"),
                    failures=recent_failures(store))

    def stylesheet_file(request: Request):
        return Response(stylesheet, media_type="text/css", headers={"cache-control": "max-age=3600"})

    # JSON API -------------------------------------------------------------------------------------
    def api_stats(request: Request):
        stats = json.loads(json.dumps(scope.stats(store, user_of(request)), default=str))
        return JSONResponse(redactor(request).data(stats))

    def api_alerts(request: Request):
        where = alerts_where(request, _alert_filters(request))
        limit = int_param(request, "limit", 200, MAX_ALERTS)
        alerts = store.find_records("alerts", where, order_by="created_at", descending=True,
                                    limit=limit) if where is not None else []
        view = redactor(request, _doc_ids(alerts))
        audit_view(request, view, alerts, _doc_ids(alerts), target_kind="alerts", detail="/api/alerts")
        return JSONResponse([view.json(a) for a in alerts])

    def api_search(request: Request):
        query = search_query(request)
        limit = int_param(request, "limit", 20, MAX_HITS)
        street = scope.street_filter(user_of(request), _filter(request, "street"))
        result = store.search(query, street=street, limit=limit)
        doc_ids = [h.document.id for h in result.hits]
        view = redactor(request, doc_ids)
        audit_view(request, view, [h.document for h in result.hits], doc_ids, target_kind="search",
                   detail=f"/api/search 检索「{query}」")
        shown = view.search(result, query)
        return JSONResponse({"total": shown.total, "hits": [
            {"id": h.document.id, "score": h.score, "title": h.document.title, "highlight": h.highlight}
            for h in shown.hits]})

    async def http_error(request: Request, exc: HTTPException):
        return error_response(request, exc.status_code, exc.detail)

    async def store_error(request: Request, exc: YuqingError):
        log.error("web request %s failed: %s", request.url.path, exc)
        return error_response(request, 503, f"the store could not answer: {exc}")

    routes = [
        *account_routes(users=users, sessions=sessions, store=store, render=render, record=record),
        Route("/", home), Route("/alerts", alerts_page), Route("/alerts/{alert_id}", alert_detail),
        Route("/alerts/{alert_id}/{action}", alert_action, methods=["POST"]),
        Route("/search", search_page), Route("/incidents", incidents_page), Route("/rescue", rescue_page),
        Route("/sources", sources_page), Route("/static/style.css", stylesheet_file),
        Route("/api/stats", api_stats), Route("/api/alerts", api_alerts), Route("/api/search", api_search),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: http_error, YuqingError: store_error},
                     middleware=[Middleware(SecurityMiddleware, users=users, error=error_response, sessions=sessions,
                                            audit=record)])


# query parameters ---------------------------------------------------------------------------------

def int_param(request: Request, name: str, default: int, maximum: int) -> int:
    """A whole-number parameter from 1 up; larger values are capped at ``maximum``; else 400."""
    raw = request.query_params.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise HTTPException(400, f"参数 {name} 必须是 1 到 {maximum} 之间的整数 "
                                 f"(parameter {name} must be a whole number from 1 to {maximum})")
    return min(value, maximum)


def search_query(request: Request) -> str:
    """The ``q`` parameter, refused (400) when longer than the store should be asked to search."""
    query = request.query_params.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        raise HTTPException(400, f"检索词过长：最多 {MAX_QUERY_CHARS} 个字符 "
                                 f"(query too long: at most {MAX_QUERY_CHARS} characters)")
    if len(textindex.query_parts(query)) > MAX_QUERY_TERMS:
        raise HTTPException(400, f"检索词过多：最多 {MAX_QUERY_TERMS} 个词 "
                                 f"(too many search terms: at most {MAX_QUERY_TERMS})")
    return query


def _filter(request: Request, key: str):
    value = request.query_params.get(key)
    if not value:
        return None
    if len(value) > MAX_FILTER_CHARS:
        raise HTTPException(400, f"参数 {key} 过长：最多 {MAX_FILTER_CHARS} 个字符 "
                                 f"(parameter {key} too long: at most {MAX_FILTER_CHARS} characters)")
    return value


def _choice(request: Request, key: str, allowed: Iterable[str]):
    value = _filter(request, key)
    allowed = tuple(allowed)
    if value is not None and value not in allowed:
        raise HTTPException(400, f"参数 {key} 只能是 {'、'.join(allowed)} (parameter {key} must be one of "
                                 f"{', '.join(allowed)})")
    return value


def _alert_filters(request: Request) -> dict[str, Any]:
    where: dict[str, Any] = {}
    for key, allowed in (("state", ALERT_STATES), ("severity", SEVERITIES), ("street", None),
                         ("category", CATEGORIES), ("rule", None)):
        value = _choice(request, key, allowed) if allowed else _filter(request, key)
        if value:
            where[key] = value
    return where


def _doc_ids(alerts: list) -> list[str]:
    """The documents shown with these alerts (whose extracted addresses are hidden from viewers)."""
    return [doc_id for a in alerts for doc_id in (a.doc_ids or [])[:DOCS_PER_ALERT]]


def _change_detail(from_state, to_state, assignee, note: str) -> str:
    detail = f"{from_state or '—'} → {to_state}"
    if assignee:
        detail += f"，派给 {assignee}"
    return detail + (f"，备注：{note}" if note else "")


def _by_severity(alerts: list) -> list:
    return sorted(alerts, key=lambda a: (SEVERITIES.index(a.severity), -a.created_at.timestamp()))


def change_alert_state(store, alert_id: str, to_state: str, *, who: str, note: str = "", assignee=None):
    """Change an alert's state through the alerts package's lifecycle (the one place rules live)."""
    from alerts import lifecycle

    return lifecycle.transition(store, alert_id, to_state, by=who, note=note, assignee=assignee)
