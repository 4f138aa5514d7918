"""The analyst web UI and its JSON API.

Everything shown comes from crawled text and is therefore hostile: templates autoescape, search
highlights are escaped before the 【】 markers become ``<mark>``, and personal data is masked for
roles that do not need it. JSON errors have one shape: ``{"error": {"status": N, "message": "…"}}``.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from yuqing.errors import ConflictError, NotFound, TransitionError, YuqingError
from yuqing.privacy import can_see_pii, mask_phone, mask_text
from yuqing.records import ALERT_STATES, SEVERITIES
from yuqing.web.auth import identify

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"

#: action in the UI → the alert state it leads to
ACTIONS = {"ack": "acknowledged", "dispatch": "dispatched", "resolve": "resolved", "dismiss": "dismissed",
           "duplicate": "duplicate"}


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

    def page(request: Request, template: str, **context: Any) -> HTMLResponse:
        user = request.state.user
        pii = can_see_pii(user.role)
        context.update(user=user, pii=pii, severities=SEVERITIES, states=ALERT_STATES,
                       show=(lambda text: text if pii else mask_text(text or "")),
                       phone=(lambda p: p if pii else mask_phone(p)))
        response = HTMLResponse(env.get_template(template).render(request=request, **context))
        token = request.query_params.get("token")
        if token:
            response.set_cookie("yuqing_token", token, httponly=True, samesite="strict")
        return response

    def api_error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)

    async def with_user(request: Request) -> None:
        request.state.user = identify(request, users)

    # pages ----------------------------------------------------------------------------------------
    async def home(request: Request):
        await with_user(request)
        stats = store.stats()
        queue = store.find_records("alerts", {"state": ["new", "acknowledged", "dispatched"]},
                                   order_by="created_at", descending=True, limit=50)
        return page(request, "home.html", stats=stats, alerts=_by_severity(queue))

    async def alerts_page(request: Request):
        await with_user(request)
        where = _alert_filters(request)
        alerts = store.find_records("alerts", where, order_by="created_at", descending=True, limit=200)
        return page(request, "alerts.html", alerts=_by_severity(alerts), filters=dict(request.query_params))

    async def alert_detail(request: Request):
        await with_user(request)
        alert = store.get_record("alerts", request.path_params["alert_id"])
        if alert is None:
            raise HTTPException(404, "no such alert")
        docs = store.get_documents(alert.doc_ids[:20])
        return page(request, "alert.html", alert=alert, docs=docs, actions=ACTIONS)

    async def alert_action(request: Request):
        await with_user(request)
        user = request.state.user
        if not user.can_act:
            raise HTTPException(403, "your role may only read; sign in as an analyst or responder")
        form = await request.form()
        alert_id, action = request.path_params["alert_id"], request.path_params["action"]
        if action not in ACTIONS:
            raise HTTPException(404, f"unknown action {action}")
        try:
            change_alert_state(store, alert_id, ACTIONS[action], who=user.name,
                               note=str(form.get("note") or ""), assignee=form.get("assignee") or None)
        except (TransitionError, ConflictError) as exc:
            raise HTTPException(409, str(exc))
        except NotFound as exc:
            raise HTTPException(404, str(exc))
        return RedirectResponse(f"/alerts/{alert_id}", status_code=303)

    async def search_page(request: Request):
        await with_user(request)
        query = request.query_params.get("q", "")
        result = store.search(query, street=request.query_params.get("street") or None,
                              category=request.query_params.get("category") or None, limit=50) if query else None
        return page(request, "search.html", query=query, result=result)

    async def incidents_page(request: Request):
        await with_user(request)
        incidents = store.find_records("incidents", order_by="last_seen", descending=True, limit=100)
        return page(request, "incidents.html", incidents=incidents)

    async def rescue_page(request: Request):
        await with_user(request)
        requests_ = store.find_records("rescue_requests", order_by="urgency", descending=True, limit=200)
        states = {}  # where the request's alert stands: acknowledged, dispatched, resolved…
        for r in requests_:
            alert_id = getattr(r, "alert_id", None)
            alert = store.get_record("alerts", alert_id) if alert_id else None
            if alert is not None:
                states[r.id] = alert.state
        return page(request, "rescue.html", requests=requests_, request_states=states)

    async def sources_page(request: Request):
        await with_user(request)
        from yuqing.scheduler import recent_failures
        return page(request, "sources.html", sources=store.find_records("sources", order_by="id"),
                    failures=recent_failures(store))

    # JSON API -------------------------------------------------------------------------------------
    async def api_stats(request: Request):
        return JSONResponse(json.loads(json.dumps(store.stats(), default=str)))

    async def api_alerts(request: Request):
        await with_user(request)
        alerts = store.find_records("alerts", _alert_filters(request), order_by="created_at", descending=True,
                                    limit=int(request.query_params.get("limit", 200)))
        return JSONResponse([a.model_dump(mode="json") for a in alerts])

    async def api_search(request: Request):
        await with_user(request)
        pii = can_see_pii(request.state.user.role)
        result = store.search(request.query_params.get("q", ""), limit=int(request.query_params.get("limit", 20)))
        return JSONResponse({"total": result.total, "hits": [
            {"id": h.document.id, "score": h.score, "title": h.document.title,
             "highlight": h.highlight if pii else [mask_text(f) for f in h.highlight]} for h in result.hits]})

    async def not_found(request: Request, exc: HTTPException):
        if request.url.path.startswith("/api/"):
            return api_error(exc.status_code, exc.detail)
        return HTMLResponse(env.get_template("error.html").render(status=exc.status_code, message=exc.detail),
                            status_code=exc.status_code)

    async def store_error(request: Request, exc: YuqingError):
        log.error("web request %s failed: %s", request.url.path, exc)
        return api_error(503, f"the store could not answer: {exc}")

    routes = [
        Route("/", home), Route("/alerts", alerts_page), Route("/alerts/{alert_id}", alert_detail),
        Route("/alerts/{alert_id}/{action}", alert_action, methods=["POST"]),
        Route("/search", search_page), Route("/incidents", incidents_page), Route("/rescue", rescue_page),
        Route("/sources", sources_page),
        Route("/api/stats", api_stats), Route("/api/alerts", api_alerts), Route("/api/search", api_search),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: not_found, YuqingError: store_error})


def _alert_filters(request: Request) -> dict[str, Any]:
    where: dict[str, Any] = {}
    for key in ("state", "severity", "street", "category", "rule"):
        value = request.query_params.get(key)
        if value:
            where[key] = value
    return where


def _by_severity(alerts: list) -> list:
    return sorted(alerts, key=lambda a: (SEVERITIES.index(a.severity), -a.created_at.timestamp()))


def change_alert_state(store, alert_id: str, to_state: str, *, who: str, note: str = "", assignee=None):
    """Change an alert's state through the alerts package's lifecycle (the one place rules live)."""
    from alerts import lifecycle

    return lifecycle.transition(store, alert_id, to_state, by=who, note=note, assignee=assignee)
