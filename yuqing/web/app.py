"""The analyst web UI and its JSON API.

Everything shown comes from crawled text and is therefore hostile: templates autoescape, search
highlights are escaped before the 【】 markers become ``<mark>``, and personal data is masked for
roles that do not need it — in one place, :class:`yuqing.web.redact.Redactor`, which every page
context and JSON body passes through. JSON errors have one shape:
``{"error": {"status": N, "message": "…"}}``.

Tokens, cross-site request refusal and security headers are :mod:`yuqing.web.security`'s.
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
from typing import Any, Iterable

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
from yuqing.web.auth import ANONYMOUS, User
from yuqing.web.redact import Redactor
from yuqing.web.security import SecurityMiddleware

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
_PLAIN_CONTEXT = frozenset({"query", "filters", "actions"})


def highlight(fragment: str) -> Markup:
    """Escape a search fragment, then turn its 【】 match markers into ``<mark>``."""
    return Markup(str(escape(fragment)).replace("【", "<mark>").replace("】", "</mark>"))


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["highlight"] = highlight
    env.filters["dt"] = lambda v: v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else (v or "")
    return env


def create_app(config, store) -> Starlette:
    env = _env()
    users = config["web.users"] or {}
    stylesheet = STYLESHEET.read_bytes()

    def user_of(request: Request) -> User:
        return getattr(request.state, "user", ANONYMOUS)

    def redactor(request: Request, doc_ids: Iterable[str] = ()) -> Redactor:
        """What this request's role may see (learns the home addresses of ``doc_ids`` when it must)."""
        return Redactor.for_role(can_see_pii(user_of(request).role), store, doc_ids)

    def page(request: Request, template: str, view: Redactor, **context: Any) -> HTMLResponse:
        data = {k: (v if k in _PLAIN_CONTEXT else view.value(v)) for k, v in context.items()}
        data.update(user=user_of(request), pii=view.pii, severities=SEVERITIES, states=ALERT_STATES)
        return HTMLResponse(env.get_template(template).render(request=request, **data))

    def error_response(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)
        return HTMLResponse(env.get_template("error.html").render(status=status, message=message),
                            status_code=status)

    # pages (plain functions: Starlette runs them in its thread pool) -------------------------------
    def home(request: Request):
        stats = store.stats()
        queue = store.find_records("alerts", {"state": ["new", "acknowledged", "dispatched"]},
                                   order_by="created_at", descending=True, limit=50)
        return page(request, "home.html", redactor(request, _doc_ids(queue)), stats=stats,
                    alerts=_by_severity(queue))

    def alerts_page(request: Request):
        where = _alert_filters(request)
        alerts = store.find_records("alerts", where, order_by="created_at", descending=True, limit=200)
        return page(request, "alerts.html", redactor(request, _doc_ids(alerts)), alerts=_by_severity(alerts),
                    filters=dict(request.query_params))

    def alert_detail(request: Request):
        alert = store.get_record("alerts", request.path_params["alert_id"])
        if alert is None:
            raise HTTPException(404, "no such alert")
        docs = store.get_documents(alert.doc_ids[:DOCS_PER_ALERT])
        return page(request, "alert.html", redactor(request, _doc_ids([alert])), alert=alert, docs=docs,
                    actions=ACTIONS)

    async def alert_action(request: Request):
        user = user_of(request)
        if not user.can_act:
            raise HTTPException(403, "your role may only read; sign in as an analyst or responder")
        form = await request.form()
        alert_id, action = request.path_params["alert_id"], request.path_params["action"]
        if action not in ACTIONS:
            raise HTTPException(404, f"unknown action {action}")
        try:
            await run_in_threadpool(change_alert_state, store, alert_id, ACTIONS[action], who=user.name,
                                    note=str(form.get("note") or ""), assignee=form.get("assignee") or None)
        except (TransitionError, ConflictError) as exc:
            raise HTTPException(409, str(exc))
        except NotFound as exc:
            raise HTTPException(404, str(exc))
        return RedirectResponse(f"/alerts/{alert_id}", status_code=303)

    def search_page(request: Request):
        query = search_query(request)
        street, category = _filter(request, "street"), _choice(request, "category", CATEGORIES)
        result = store.search(query, street=street, category=category, limit=50) if query.strip() else None
        view = redactor(request, [h.document.id for h in result.hits] if result else ())
        return page(request, "search.html", view, query=query, result=view.search(result, query) if result else None)

    def incidents_page(request: Request):
        incidents = store.find_records("incidents", order_by="last_seen", descending=True, limit=100)
        return page(request, "incidents.html", redactor(request), incidents=incidents)

    def rescue_page(request: Request):
        requests_ = store.find_records("rescue_requests", order_by="urgency", descending=True, limit=200)
        states = {}  # where the request's alert stands: acknowledged, dispatched, resolved…
        for r in requests_:
            alert_id = getattr(r, "alert_id", None)
            alert = store.get_record("alerts", alert_id) if alert_id else None
            if alert is not None:
                states[r.id] = alert.state
        return page(request, "rescue.html", redactor(request), requests=requests_, request_states=states)

    def sources_page(request: Request):
        from yuqing.scheduler import recent_failures
        return page(request, "sources.html", redactor(request), sources=store.find_records("sources", order_by="id"),
                    failures=recent_failures(store))

    def stylesheet_file(request: Request):
        return Response(stylesheet, media_type="text/css", headers={"cache-control": "max-age=3600"})

    # JSON API -------------------------------------------------------------------------------------
    def api_stats(request: Request):
        stats = json.loads(json.dumps(store.stats(), default=str))
        return JSONResponse(redactor(request).data(stats))

    def api_alerts(request: Request):
        where = _alert_filters(request)
        limit = int_param(request, "limit", 200, MAX_ALERTS)
        alerts = store.find_records("alerts", where, order_by="created_at", descending=True, limit=limit)
        view = redactor(request, _doc_ids(alerts))
        return JSONResponse([view.json(a) for a in alerts])

    def api_search(request: Request):
        query = search_query(request)
        limit = int_param(request, "limit", 20, MAX_HITS)
        result = store.search(query, limit=limit)
        view = redactor(request, [h.document.id for h in result.hits])
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
        Route("/", home), Route("/alerts", alerts_page), Route("/alerts/{alert_id}", alert_detail),
        Route("/alerts/{alert_id}/{action}", alert_action, methods=["POST"]),
        Route("/search", search_page), Route("/incidents", incidents_page), Route("/rescue", rescue_page),
        Route("/sources", sources_page), Route("/static/style.css", stylesheet_file),
        Route("/api/stats", api_stats), Route("/api/alerts", api_alerts), Route("/api/search", api_search),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: http_error, YuqingError: store_error},
                     middleware=[Middleware(SecurityMiddleware, users=users, error=error_response)])


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


def _by_severity(alerts: list) -> list:
    return sorted(alerts, key=lambda a: (SEVERITIES.index(a.severity), -a.created_at.timestamp()))


def change_alert_state(store, alert_id: str, to_state: str, *, who: str, note: str = "", assignee=None):
    """Change an alert's state through the alerts package's lifecycle (the one place rules live)."""
    from alerts import lifecycle

    return lifecycle.transition(store, alert_id, to_state, by=who, note=note, assignee=assignee)
