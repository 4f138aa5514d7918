"""Enterprises (企业): the list with their current 欠薪/停工/外迁 scores, and one enterprise's page.

The page shows what the engine knows of one enterprise: its names and street, its monthly
indicators as charts (参保人数、社保缴费与欠缴、用电用水、工单与监察案件; the data in a JSON block that
``static/charts.js`` draws with the vendored ECharts, as on the incident page), its risk scores
with the signals behind each, its ``enterprise_risk`` cards, the incidents its posts belong to, and
the posts and 12345 tickets linked to it with the evidence of each link. Posts are hostile text:
escaped by the templates and masked for roles without personal-data rights; an analyst shown them
in full is a ``view_personal_data`` audit event, as on the incident page.

An enterprise belongs to its street: a user scoped to streets sees only their streets' enterprises,
and another street's (or one without a street) answers 404 as if absent.
"""
from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from yuqing.app.web.context import Web
from yuqing.app.web.params import filter_param, int_param, search_query

RISKS = {"wage_arrears": "欠薪", "shutdown": "停工", "relocation": "外迁"}
SIGNAL_SOURCES = {"indicators": "指标", "opinion": "舆情", "calendar": "日历", "indicators+opinion": "指标与舆情印证"}
#: the charts of the page: (title, [(field, series name, y axis)], [axis names])
CHARTS = (
    ("参保人数与社保缴费", [("headcount", "参保人数", 0), ("contributions_paid", "社保实缴（元）", 1),
                       ("contributions_owed", "社保欠缴（元）", 1)], ["人", "元"]),
    ("用电量与用水量", [("power_kwh", "用电量（千瓦时）", 0), ("water_m3", "用水量（立方米）", 1)], ["千瓦时", "立方米"]),
    ("12345 工单与劳动监察案件", [("tickets", "12345 工单", 0), ("inspections", "劳动监察案件", 0)], ["件"]),
)
#: charts of counts: whole numbers on the axis
COUNT_CHARTS = ("12345 工单与劳动监察案件",)
POSTS_SHOWN = 100
LIST_LIMIT = 300


def charts(series: list[dict[str, Any]], scores: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chart data of the page: one block per chart, months oldest first, a gap where a month is missing."""
    months = [row["period"] for row in series]
    out = []
    for title, fields, axes in CHARTS:
        lines = [{"name": name, "axis": axis, "data": [row.get(field) for row in series]} for field, name, axis in fields
                 if any(row.get(field) is not None for row in series)]
        if lines:
            out.append({"kind": "lines", "title": title, "buckets": months, "axes": axes, "series": lines,
                        "integer": title in COUNT_CHARTS})
    scored = sorted({s["month"] for s in scores})
    if scored:
        by = {(s["month"], s["risk"]): s for s in scores}
        lines = [{"name": f"{name}评分", "axis": 0, "data": [by[(m, risk)]["score"] if (m, risk) in by else None
                                                          for m in scored]} for risk, name in RISKS.items()]
        thresholds = {name: next((s["threshold"] for s in scores if s["risk"] == risk), None)
                      for risk, name in RISKS.items()}
        out.append({"kind": "lines", "title": "风险评分（0-100，虚线为预警线）", "buckets": scored, "axes": ["分"],
                    "series": lines, "thresholds": {f"{k}评分": v for k, v in thresholds.items() if v is not None},
                    "max": 100})
    return out


def score_months(scores: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scores grouped by month, newest first: ``[{"month", "scores": [in RISKS order], "by_risk": {risk: score}}]``."""
    months: dict[str, list] = {}
    for score in scores:
        months.setdefault(score["month"], []).append(score)
    order = list(RISKS)
    return [{"month": month, "by_risk": {s["risk"]: s for s in rows},
             "scores": sorted(rows, key=lambda s: order.index(s["risk"]) if s["risk"] in order else len(order))}
            for month, rows in sorted(months.items(), reverse=True)]


def routes(web: Web) -> list[Route]:
    store = web.store

    def visible(request: Request, enterprise_id: str):
        ent = store.get_record("enterprises", enterprise_id)
        if ent is None or not web.user_of(request).sees_street(ent.street):
            raise HTTPException(404, "no such enterprise")
        return ent

    def list_page(request: Request):
        from enterprise.service import current_scores

        query = search_query(request)
        street = filter_param(request, "street")
        where = web.where(request, {"street": street} if street else None)
        month, rows, ents = None, [], {}
        if where is not None:
            if query.strip():
                found = [e for e, _ in store.search_records("enterprises", query, where=where, limit=50)]
                ents = {e.id: e for e in found}
                month, scored = current_scores(store, {**where, "enterprise": list(ents)} if ents else None,
                                               limit=LIST_LIMIT) if ents else (None, [])
            else:
                month, scored = current_scores(store, where, limit=LIST_LIMIT)
                ids = [row["enterprise"] for row in scored]
                ents = {e.id: e for e in store.find_records("enterprises", {"id": ids})} if ids else {}
                for e in store.find_records("enterprises", where, limit=LIST_LIMIT):
                    ents.setdefault(e.id, e)
            by_id = {row["enterprise"]: row for row in scored}
            ordered = [*by_id, *(eid for eid in ents if eid not in by_id)][:LIST_LIMIT]
            rows = [{"enterprise": ents[eid].model_dump(mode="json") if eid in ents else {"id": eid, **by_id[eid]},
                     "scores": {risk: score.model_dump(mode="json") for risk, score in by_id[eid]["scores"].items()}
                     if eid in by_id else {}} for eid in ordered]
        return web.page(request, "enterprises.html", web.redactor(request), rows=rows, month=month, query=query,
                        filters={"street": street or ""}, risks=RISKS, score_day=web.config["enterprise.score_day"])

    def enterprise_page(request: Request):
        from enterprise.service import (alerts_of_enterprise, enterprise_scores, enterprise_series,
                                        incidents_of_enterprise, linked_documents)

        ent = visible(request, request.path_params["enterprise_id"])
        series = enterprise_series(store, ent.id)
        scores = enterprise_scores(store, ent.id)
        limit = int_param(request, "limit", POSTS_SHOWN, 1000)
        posts = linked_documents(store, ent.id, limit=limit)
        tickets = linked_documents(store, ent.id, tickets=True, limit=limit)
        shown_ids = [doc.id for _, doc in posts + tickets]
        user = web.user_of(request)
        incidents = incidents_of_enterprise(store, ent.id, web.where(request, field="streets"))
        if user.streets is not None:
            incidents = [i for i in incidents if set(i.streets) & set(user.streets)]
        alerts = [a for a in alerts_of_enterprise(store, ent) if user.sees_street(a.street)]
        view = web.redactor(request, shown_ids)
        web.audit_view(request, view, [doc for _, doc in posts + tickets] + alerts, shown_ids,
                       target_kind="enterprises", target_id=ent.id, detail=f"企业详情：{ent.name}")
        rows = [{"doc": doc, "via": list(dict.fromkeys(link.via)), "terms": link.terms, "sentiment": link.sentiment}
                for link, doc in posts]
        ticket_rows = [{"doc": doc, "via": list(dict.fromkeys(link.via)), "terms": link.terms} for link, doc in tickets]
        return web.page(request, "enterprise.html", view, enterprise=ent.model_dump(mode="json"), chart=charts(
            series, scores), months=score_months(scores), latest=score_months(scores)[:1], series=series,
            posts=rows, tickets=ticket_rows, incidents=incidents, alerts=alerts, risks=RISKS,
            labels={"sources": SIGNAL_SOURCES, "terms": TERM_NAMES})

    return [Route("/enterprises", list_page), Route("/enterprises/{enterprise_id}", enterprise_page)]


#: the signal-word groups of :data:`enterprise.linking.TERMS`, in words
TERM_NAMES = {"arrears": "欠薪", "gathering": "聚集", "shutdown": "停工", "relocation": "外迁", "hearsay": "传闻"}


def enterprises_for_incident(store, user, doc_ids: list[str]) -> list[dict[str, Any]]:
    """The enterprises linked to an incident's posts that ``user`` may see (for the incident page)."""
    from enterprise.service import enterprises_of_documents

    found = enterprises_of_documents(store, doc_ids)
    return [{"id": g["enterprise"].id, "name": g["enterprise"].name, "street": g["enterprise"].street,
             "posts": len(g["doc_ids"]), "via": g["via"][:3]}
            for g in found if user.sees_street(g["enterprise"].street)]
