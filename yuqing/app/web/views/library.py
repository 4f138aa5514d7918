"""The case library (案例库) and the risk calendar (风险日历).

Cases are past events from anywhere (not street data, like ``scope.stats`` counts them): every
visitor may browse, search and open them — timeline, measures, lessons, sources, versions. The
calendar shows a month: the windows open on each day, the windows opening soon, and the peaks the
engine learned from history, which an analyst accepts or rejects (``calendar_decision`` audit
event); an accepted peak joins the calendar.
"""
from __future__ import annotations

import calendar as monthly
from datetime import date, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from yuqing.errors import NotFound
from yuqing.app.web.context import Web
from yuqing.app.web.params import filter_param, search_query
from yuqing.app.web.views.incident import reason_text

DECISIONS = {"accept": "accepted", "reject": "rejected"}
UPCOMING_DAYS = 30


def routes(web: Web) -> list[Route]:
    store = web.store

    def library():
        from case_library.library import CaseLibrary
        return CaseLibrary(store, mode="lexical", include_drafts=True)

    def cases_page(request: Request):
        query = search_query(request)
        if query.strip():
            matches = library().search(query, limit=30)
            found = [(store.get_record("cases", m.case_id), m) for m in matches]
            cases = [(c, {"reasons": [reason_text(r) for r in m.reasons]}) for c, m in found if c is not None]
        else:
            cases = [(c, None) for c in store.find_records("cases", order_by="start", descending=True, limit=300)]
        return web.page(request, "cases.html", web.redactor(request), cases=cases, query=query)

    def case_page(request: Request):
        case = store.get_record("cases", request.path_params["case_id"])
        if case is None:
            raise HTTPException(404, "no such case")
        versions = store.find_records("case_versions", {"case_id": case.id}, order_by="version")
        return web.page(request, "case.html", web.redactor(request), case=case,
                        versions=[{"version": v.version, "when": v.when, "who": getattr(v, "who", ""),
                                   "note": getattr(v, "note", "")} for v in versions])

    def month_of(request: Request) -> date:
        raw = filter_param(request, "month")
        if not raw:
            return date.today().replace(day=1)
        try:
            return date.fromisoformat(raw + "-01")
        except ValueError:
            raise HTTPException(400, f"参数 month 必须形如 2026-12 (parameter month must look like 2026-12, "
                                     f"not {raw[:20]!r})") from None

    def calendar_page(request: Request):
        from event_calendar.calendar import Calendar

        first = month_of(request)
        days_in = monthly.monthrange(first.year, first.month)[1]
        last = first.replace(day=days_in)
        cal = Calendar.from_config(web.config, store)
        windows = cal.windows(first, last)
        user = web.user_of(request)
        if user.streets is not None:  # a scoped user sees the windows of every street or of theirs
            windows = [w for w in windows if not w.streets or set(w.streets) & set(user.streets)]
        weeks = []
        for week in monthly.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
            weeks.append([{"day": d, "in_month": d.month == first.month,
                           "windows": [w for w in windows if w.start <= d <= w.end]} for d in week])
        today = date.today()
        upcoming = cal.upcoming(today, UPCOMING_DAYS)
        where = web.where(request)
        proposals = store.find_records("calendar_proposals", where, order_by="id", limit=200) \
            if where is not None else []
        if user.streets is not None:  # proposals for all streets (no street) are everyone's
            proposals += store.find_records("calendar_proposals", {"street": None}, order_by="id", limit=200)
        previous = (first - timedelta(days=1)).replace(day=1)
        following = last + timedelta(days=1)
        return web.page(request, "calendar.html", web.redactor(request), month=first, weeks=weeks,
                        windows=windows, upcoming=upcoming, proposals=proposals, today=today,
                        previous=previous.strftime("%Y-%m"), following=following.strftime("%Y-%m"))

    def decide(request: Request, proposal_id: str, decision: str) -> None:
        from event_calendar.peaks import decide as store_decision

        user = web.require_actor(request)
        found = store.get_record("calendar_proposals", proposal_id)
        if found is None or (getattr(found, "street", None) and not user.sees_street(found.street)):
            raise HTTPException(404, "no such proposal")
        try:
            store_decision(store, proposal_id, DECISIONS[decision], user.name)
        except NotFound:
            raise HTTPException(404, "no such proposal")
        web.record(request, "calendar_decision", target_kind="calendar_proposals", target_id=proposal_id,
                   detail=f"{'采纳' if decision == 'accept' else '驳回'}：{getattr(found, 'evidence', '')}")

    async def decide_post(request: Request):
        decision = request.path_params["decision"]
        if decision not in DECISIONS:
            raise HTTPException(404, f"unknown decision {decision}")
        await run_in_threadpool(decide, request, request.path_params["proposal_id"], decision)
        return RedirectResponse("/calendar#proposals", status_code=303)

    return [Route("/cases", cases_page), Route("/cases/{case_id}", case_page), Route("/calendar", calendar_page),
            Route("/calendar/proposals/{proposal_id}/{decision}", decide_post, methods=["POST"])]

