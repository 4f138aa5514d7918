"""The alert queue (预警队列) and the alert page: filters, counts, sort, bulk actions, refresh, export.

The queue reads the store with the visitor's filters inside their street scope, so counts, pages
and limits are those of what they may see. "Sort by severity" asks the store one severity at a
time (red first), so the most severe alerts are never cut off by the page limit. The page polls
``/api/queue`` (the counts and the newest alert's time) every ``web.refresh_seconds`` and offers
the new alerts in a banner instead of reloading under the analyst's cursor. Saved views are kept
in the browser (``localStorage``, per browser and user): they are filter sets, not data. While storm
mode is on (平急转换), the desk's cards — requests for help, disaster rumours and frauds — come first,
each part in the asked order (:data:`STORM_FIRST`).
"""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from alerts.lifecycle import ACTIONS
from yuqing.errors import ConflictError, NotFound, TransitionError
from yuqing.records import ALERT_STATES, OPEN_ALERT_STATES, SEVERITIES
from yuqing.storage.base import Range
from yuqing.storm import DESK_TOPICS, storm_mode
from yuqing.app.web.context import DOCS_PER_ALERT, Web, doc_ids_of
from yuqing.app.web.params import alert_filters, filter_param, int_param, time_range
from yuqing.app.web.views import export

#: the actions' names on the page; ``assign`` (not a lifecycle action) keeps the state, sets the assignee
ACTION_NAMES = {"ack": "确认", "assign": "指派", "dispatch": "派发", "resolve": "办结", "dismiss": "排除",
                "duplicate": "标为重复"}
#: actions offered for many alerts at once
BULK_ACTIONS = ("ack", "assign", "dismiss")
#: the most rows one request may ask for
MAX_ALERTS = 500
PAGE_SIZE = 200
SORTS = {"severity": "按级别", "newest": "最新在前", "oldest": "最早在前"}
MAX_BULK = 500


#: Storm mode's order (平急转换): the desk's cards (requests for help, disaster rumours and frauds) first
STORM_FIRST = {"desk_topic": list(DESK_TOPICS)}


def queue(store, where: Optional[dict], *, sort: str = "severity", limit: int = PAGE_SIZE, offset: int = 0,
          first: Optional[dict] = None) -> list:
    """One page of the queue: ``where`` already scoped; by severity (red first) or by time.

    With ``first`` (conditions on fields the other alerts leave out, such as :data:`STORM_FIRST`),
    the alerts matching it come before the others, each part in the asked order.
    """
    if where is None:
        return []
    groups = [where] if not first else [{**where, **first}, {**where, **{name: None for name in first}}]
    parts: list[dict] = []  # one query per group and severity, so the page is cut in the right place
    for group in groups:
        if sort != "severity":
            parts.append(group)
            continue
        asked = where.get("severity")
        parts += [{**group, "severity": severity} for severity in SEVERITIES if not asked or severity == asked]
    descending = sort != "oldest"
    if len(parts) == 1:
        return store.find_records("alerts", parts[0], order_by="created_at", descending=descending, limit=limit,
                                  offset=offset)
    found: list = []
    for conditions in parts:
        count = store.count_records("alerts", conditions) if offset else None
        if count is not None and offset >= count:
            offset -= count
            continue
        found += store.find_records("alerts", conditions, order_by="created_at",
                                    descending=descending, limit=limit - len(found), offset=offset)
        offset = 0
        if len(found) >= limit:
            break
    return found


def storm_first(store) -> Optional[dict]:
    """The queue's ``first`` while storm mode is on (:mod:`yuqing.storm`), else ``None``."""
    return STORM_FIRST if storm_mode(store).on else None


def counts(store, where: Optional[dict]) -> dict[str, dict[str, int]]:
    """Alerts per state and per severity under ``where`` (each without its own condition)."""
    if where is None:
        return {"state": {s: 0 for s in ALERT_STATES}, "severity": {s: 0 for s in SEVERITIES}}
    result: dict[str, dict[str, int]] = {}
    for field, values in (("state", ALERT_STATES), ("severity", SEVERITIES)):
        others = {k: v for k, v in where.items() if k != field}
        result[field] = {value: store.count_records("alerts", {**others, field: value}) for value in values}
    return result


def _conditions(request: Request) -> dict[str, Any]:
    """The queue's filters as store conditions (time on ``created_at``), before the street scope."""
    conditions = alert_filters(request)
    since, until = time_range(request)
    if since or until:
        conditions["created_at"] = Range(gte=since, lt=until)
    return conditions


def change_alert_state(store, alert_id: str, to_state: str, *, who: str, note: str = "", assignee=None,
                       duplicate_of=None):
    """Change an alert's state through the alerts package's lifecycle (the one place rules live)."""
    from alerts import lifecycle

    return lifecycle.transition(store, alert_id, to_state, by=who, note=note, assignee=assignee,
                                duplicate_of=duplicate_of)


def assign_alert(store, alert_id: str, assignee: str, *, who: str, note: str = ""):
    """Set who handles an open alert, kept in its history (the state does not change)."""
    from alerts import lifecycle

    if not assignee.strip():
        raise TransitionError("指派需要填写负责人 (say whom to assign the alert to)")

    def change(alert):
        if not lifecycle.is_open(alert):
            raise TransitionError(f"alert {alert.id} is already {alert.state}; a closed alert cannot be assigned")
        alert.assignee = assignee.strip()
        lifecycle.record_change(alert, who, alert.state, alert.state, f"指派给 {alert.assignee}"
                                + (f"，备注：{note}" if note else ""))
        return alert
    return lifecycle.modify(store, alert_id, change)


def change_detail(from_state, to_state, assignee, note: str) -> str:
    detail = f"{from_state or '—'} → {to_state}"
    if assignee:
        detail += f"，派给 {assignee}"
    return detail + (f"，备注：{note}" if note else "")


def apply_action(web: Web, request: Request, alert_id: str, action: str, form: dict[str, str]):
    """One action on one visible alert, with its audit event; raises 404/409 as HTTP errors."""
    user = web.user_of(request)
    web.visible_alert(request, alert_id)
    note, assignee = form.get("note", ""), form.get("assignee") or None
    try:
        if action == "assign":
            alert = assign_alert(web.store, alert_id, assignee or "", who=user.name, note=note)
        else:
            alert = change_alert_state(web.store, alert_id, ACTIONS[action], who=user.name, note=note,
                                       assignee=assignee, duplicate_of=form.get("duplicate_of") or None)
    except (TransitionError, ConflictError) as exc:
        raise HTTPException(409, str(exc))
    except NotFound as exc:
        raise HTTPException(404, str(exc) if "duplicate" in str(exc) else "no such alert")
    change = alert.history[-1]
    web.record(request, "state_change", target_kind="alerts", target_id=alert_id,
               detail=change_detail(change.from_state, change.to_state, assignee, note))
    return alert


def routes(web: Web) -> list[Route]:
    store = web.store
    refresh = int(web.config["web.refresh_seconds"])

    def listing(request: Request, *, default_state: Optional[str] = None, limit: int = PAGE_SIZE):
        conditions = _conditions(request)
        if default_state and "state" not in request.query_params:
            conditions["state"] = list(OPEN_ALERT_STATES)
        sort = request.query_params.get("sort") or "severity"
        if sort not in SORTS:
            raise HTTPException(400, f"参数 sort 只能是 {'、'.join(SORTS)} (parameter sort must be one of "
                                     f"{', '.join(SORTS)})")
        where = web.where(request, conditions)
        offset = int_param(request, "offset", 0, 1_000_000, minimum=0)
        alerts = queue(store, where, sort=sort, limit=limit, offset=offset, first=storm_first(store))
        return where, alerts, sort, offset

    def home(request: Request):
        from yuqing.app.web import scope
        where, alerts, _sort, _offset = listing(request, default_state="open", limit=50)
        view = web.redactor(request, doc_ids_of(alerts))
        web.audit_view(request, view, alerts, doc_ids_of(alerts), target_kind="alerts", detail="总览")
        return web.page(request, "home.html", view, stats=scope.stats(store, web.user_of(request)),
                        counts=counts(store, where), alerts=alerts, refresh_seconds=refresh, total=_total(store, where))

    def alerts_page(request: Request):
        where, alerts, sort, offset = listing(request)
        view = web.redactor(request, doc_ids_of(alerts))
        web.audit_view(request, view, alerts, doc_ids_of(alerts), target_kind="alerts", detail="预警队列")
        filters = {k: v for k, v in request.query_params.items() if k not in ("offset",)}
        kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "done", "refused")]
        pages = {"prev": "?" + urlencode(kept + [("offset", max(offset - PAGE_SIZE, 0))]) if offset else None,
                 "next": "?" + urlencode(kept + [("offset", offset + PAGE_SIZE)]) if len(alerts) == PAGE_SIZE else None}
        return web.page(request, "alerts.html", view, alerts=alerts, filters=filters, sort=sort,
                        counts=counts(store, where), refresh_seconds=refresh, pages=pages, total=_total(store, where),
                        actions={"bulk": {a: ACTION_NAMES[a] for a in BULK_ACTIONS}, "sorts": SORTS})

    def alert_detail(request: Request):
        from yuqing.app.web.views.analysis import document_rows
        alert = web.visible_alert(request, request.path_params["alert_id"])
        doc_ids = alert.doc_ids[:DOCS_PER_ALERT]
        rows = document_rows(store, doc_ids)
        incident = store.get_record("incidents", alert.incident_id) if alert.incident_id else None
        cases = {c.case_id: store.get_record("cases", c.case_id) for c in alert.similar_cases}
        view = web.redactor(request, doc_ids)
        web.audit_view(request, view, [alert, *[r["doc"] for r in rows]], doc_ids, target_kind="alerts",
                       target_id=alert.id, detail="预警详情")
        return web.page(request, "alert.html", view, alert=alert, docs=rows, incident=incident, cases=cases,
                        actions=ACTION_NAMES, tasks=_correction_tasks())

    async def alert_action(request: Request):
        web.require_actor(request)
        alert_id, action = request.path_params["alert_id"], request.path_params["action"]
        if action not in ACTIONS and action != "assign":
            raise HTTPException(404, f"unknown action {action}")
        form = {k: str(v) for k, v in (await request.form()).items()}
        await run_in_threadpool(apply_action, web, request, alert_id, action, form)
        return RedirectResponse(f"/alerts/{alert_id}", status_code=303)

    async def bulk_action(request: Request):
        web.require_actor(request)
        raw = await request.form()
        action = str(raw.get("action") or "")
        if action not in BULK_ACTIONS:
            raise HTTPException(400, f"批量操作只能是 {'、'.join(BULK_ACTIONS)} (bulk action must be one of "
                                     f"{', '.join(BULK_ACTIONS)})")
        ids = [str(i) for i in raw.getlist("ids")][:MAX_BULK]
        form = {"note": str(raw.get("note") or ""), "assignee": str(raw.get("assignee") or "")}
        done, refused = 0, []
        for alert_id in ids:
            try:
                await run_in_threadpool(apply_action, web, request, alert_id, action, form)
                done += 1
            except HTTPException as exc:
                refused.append(f"{alert_id}: {exc.detail}")
        back = str(raw.get("back") or "/alerts")
        back = back if back.startswith("/alerts") and not back.startswith("//") else "/alerts"
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"done": done, "refused": refused})
        sep = "&" if "?" in back else "?"
        return RedirectResponse(f"{back}{sep}done={done}&refused={len(refused)}", status_code=303)

    def api_alerts(request: Request):
        limit = int_param(request, "limit", 200, MAX_ALERTS)
        _where, alerts, _sort, _offset = listing(request, limit=limit)
        view = web.redactor(request, doc_ids_of(alerts))
        web.audit_view(request, view, alerts, doc_ids_of(alerts), target_kind="alerts", detail="/api/alerts")
        return JSONResponse([view.json(a) for a in alerts])

    def api_queue(request: Request):
        """What the queue page polls: counts and the newest alert (no personal data)."""
        where = web.where(request, _conditions(request))
        newest = store.find_records("alerts", where, order_by="created_at", descending=True,
                                    limit=1) if where is not None else []
        return JSONResponse({"counts": counts(store, where), "total": store.count_records("alerts", where)
                             if where is not None else 0,
                             "newest": newest[0].created_at.isoformat() if newest else None})

    def alerts_csv(request: Request):
        _where, alerts, _sort, _offset = listing(request, limit=int_param(request, "limit", MAX_ALERTS, 5000))
        view = web.redactor(request, doc_ids_of(alerts))
        web.record(request, "export", target_kind="alerts", detail=f"预警队列 CSV {len(alerts)} 条"
                   + ("" if view.pii else "（已脱敏）") + _filters_text(request))
        return export.csv_response("alerts.csv", export.ALERT_COLUMNS, [view.json(a) for a in alerts])

    def api_stats(request: Request):
        from yuqing.app.web import scope
        return web.json(request, scope.stats(store, web.user_of(request)))

    return [Route("/", home), Route("/alerts", alerts_page), Route("/alerts.csv", alerts_csv),
            Route("/alerts/bulk", bulk_action, methods=["POST"]), Route("/alerts/{alert_id}", alert_detail),
            Route("/alerts/{alert_id}/{action}", alert_action, methods=["POST"]),
            Route("/api/stats", api_stats), Route("/api/alerts", api_alerts), Route("/api/queue", api_queue)]


def _correction_tasks() -> dict[str, Any]:
    from yuqing.app.web.views.analysis import CORRECTION_CHOICES
    return CORRECTION_CHOICES


def _total(store, where: Optional[dict]) -> int:
    return store.count_records("alerts", where) if where is not None else 0


def _filters_text(request: Request) -> str:
    shown = [f"{k}={v}" for k, v in request.query_params.items() if k not in ("limit", "offset")]
    return f"，筛选 {' '.join(shown)}" if shown else ""


__all__ = ["ACTIONS", "MAX_ALERTS", "change_alert_state", "routes", "queue", "counts", "filter_param"]
