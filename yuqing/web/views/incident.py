"""Incidents (事件): the list, and one incident's page — what happened, where, since when, how it spread.

The page is rendered on the server from the incident's documents and analyses: the volume over
time with its sentiment (the chart's data sits in a JSON block that ``static/charts.js`` draws
with ECharts), sources and streets, the posts (the first marked, reposts and copies of one text
collapsed into one row), key words, amplification (the share of the few most active accounts),
lineage (merged, split, grown), the harmful posts inside it, precedents from the case library with
why they matched, the calendar context, the enterprises its posts name (linking to their pages)
and the full history of its alerts.
"""
from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from yuqing import vocabulary
from yuqing.errors import YuqingError
from yuqing.records import DEFAULT_TZ, SENTIMENTS
from yuqing.web.context import Web
from yuqing.web.params import int_param
from yuqing.web.views.enterprise import enterprises_for_incident

log = logging.getLogger(__name__)
#: how many collapsed post groups the page lists (the chart counts every post)
POSTS_SHOWN = 100
#: the accounts counted as "the few" in the amplification figure
TOP_ACCOUNTS = 5
_REPOST = re.compile(r"^(转发微博|转发|//@[^:：]*[:：]|回复@[^:：]*[:：]|\s)+")


def series(docs: list, analyses: dict) -> dict[str, Any]:
    """Posts per hour (per day past three days) and per sentiment, for the chart."""
    if not docs:
        return {"kind": "volume", "buckets": [], "series": {s: [] for s in SENTIMENTS}, "unit": "hour",
                "names": {s: vocabulary.label("sentiment", s) for s in SENTIMENTS}}
    times = [d.published_at.astimezone(DEFAULT_TZ) for d in docs]
    span = max(times) - min(times)
    unit, fmt = ("hour", "%m-%d %H:00") if span <= timedelta(days=3) else ("day", "%Y-%m-%d")
    counts: dict[str, Counter] = defaultdict(Counter)
    for doc, when in zip(docs, times):
        analysis = analyses.get(doc.id)
        counts[when.strftime(fmt)][analysis.sentiment.label if analysis else "unknown"] += 1
    buckets = sorted(counts)
    labels = [*SENTIMENTS, "unknown"] if any(c["unknown"] for c in counts.values()) else list(SENTIMENTS)
    return {"kind": "volume", "buckets": buckets, "unit": unit,
            "series": {s: [counts[b][s] for b in buckets] for s in labels},
            "names": {s: vocabulary.label("sentiment", s, "未分析") if s != "unknown" else "未分析" for s in labels}}


def post_groups(docs: list) -> list[dict[str, Any]]:
    """Posts oldest first, reposts and copies of one text folded into the first of them."""
    groups: dict[str, dict[str, Any]] = {}
    for doc in sorted(docs, key=lambda d: d.published_at):
        key = doc.thread_id if doc.thread_id and doc.thread_id in groups else _REPOST.sub("", doc.text)[:120]
        group = groups.get(key)
        if group is None:
            groups[key] = {"doc": doc, "copies": 0}
        else:
            group["copies"] += 1
    return list(groups.values())


def amplification(docs: list) -> dict[str, Any]:
    """How much of the volume the few most active accounts made."""
    authors = Counter(d.author for d in docs if d.author)
    top = authors.most_common(TOP_ACCOUNTS)
    share = sum(n for _, n in top) / len(docs) if docs else 0.0
    return {"accounts": len(authors), "top": top, "share": share}


def posts_of(store, incident) -> tuple[list, dict]:
    """The incident's documents (oldest first; deleted ones skipped) and their analyses by id."""
    docs = sorted(store.get_documents(incident.doc_ids), key=lambda d: d.published_at)
    return docs, {a.id: a for a in store.get_analyses([d.id for d in docs])}


def routes(web: Web) -> list[Route]:
    store = web.store

    def incidents_page(request: Request):
        where = web.where(request, field="streets")
        incidents = store.find_records("incidents", where, order_by="last_seen", descending=True,
                                       limit=int_param(request, "limit", 100, 500)) if where is not None else []
        return web.page(request, "incidents.html", web.redactor(request), incidents=incidents)

    def incident_page(request: Request):
        incident = web.visible_incident(request, request.path_params["incident_id"])
        docs, analyses = posts_of(store, incident)
        groups = post_groups(docs)
        shown = groups[:POSTS_SHOWN]
        shown_ids = [g["doc"].id for g in shown]
        harmful = [(d, analyses[d.id]) for d in docs if d.id in analyses and analyses[d.id].harmful][:20]
        alerts = store.find_records("alerts", {"incident_id": incident.id}, order_by="created_at")
        alerts = [a for a in alerts if web.user_of(request).sees_street(a.street)]
        view = web.redactor(request, shown_ids + [d.id for d, _ in harmful])
        web.audit_view(request, view, [g["doc"] for g in shown] + alerts, shown_ids, target_kind="incidents",
                       target_id=incident.id, detail="事件详情")
        return web.page(
            request, "incident.html", view, incident=incident, groups=shown, total_posts=len(docs),
            total_groups=len(groups), chart=series(docs, analyses),
            sources=Counter(d.source or "—" for d in docs).most_common(8),
            streets=Counter(a.location.street for a in analyses.values() if a.location.street).most_common(8),
            amplification=amplification(docs), harmful=[{"doc": d, "types": a.harmful.types} for d, a in harmful],
            lineage=store.find_records("lineage", {"incident_id": incident.id}, order_by="run_at", limit=50),
            precedents=precedents(store, incident), alerts=alerts,
            enterprises=enterprises_for_incident(store, web.user_of(request), [d.id for d in docs]),
            calendar=sorted({entry for a in alerts for entry in a.calendar}))

    def api_series(request: Request):
        incident = web.visible_incident(request, request.path_params["incident_id"])
        docs, analyses = posts_of(store, incident)
        return web.json(request, series(docs, analyses))

    return [Route("/incidents", incidents_page), Route("/incidents/{incident_id}", incident_page),
            Route("/api/incidents/{incident_id}/series", api_series)]


#: the case retriever's reasons (English, for the command line) → the page's words
_REASONS = (("same category: ", "同类别："), ("shared category: ", "类别相同："), ("same place: ", "同地点："),
            ("shared keywords: ", "共同关键词："), ("full-text match ", "全文匹配度 "),
            ("semantic similarity ", "语义相似度 "))


def reason_text(reason: str) -> str:
    """A retrieval reason in Chinese, its category codes as words."""
    for english, chinese in _REASONS:
        if reason.startswith(english):
            rest = reason[len(english):]
            if "category" in english:
                rest = "、".join(vocabulary.label("category", c.strip()) for c in rest.split(","))
            return chinese + rest.replace(", ", "、")
    return reason


def precedents(store, incident, limit: int = 3) -> list[dict[str, Any]]:
    """Cases most like the incident, with the retriever's reasons (lexical: no model to load)."""
    from case_library.library import CaseLibrary

    try:
        matches = CaseLibrary(store, mode="lexical").similar_to_incident(incident, limit=limit)
    except YuqingError as exc:  # the incident page still shows, without its precedents
        log.warning("incident %s: precedents not found: %s", incident.id, exc)
        return []
    found = []
    for match in matches:
        case = store.get_record("cases", match.case_id)
        found.append({"match": match, "case": case, "reasons": [reason_text(r) for r in match.reasons]})
    return found
