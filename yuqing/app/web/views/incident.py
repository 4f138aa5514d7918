"""Incidents (事件): the list, and one incident's page — what happened, where, since when, how it spread.

The page is rendered on the server from the incident's documents and analyses: the volume over
time with its sentiment (the chart's data sits in a JSON block that ``static/charts.js`` draws
with ECharts), sources and streets, the posts (the first marked, reposts and copies of one text
collapsed into one row), key words, amplification (the share of the few most active accounts),
lineage (merged, split, grown, and the analysts' own merges and splits with who and why; the forms
that make them are :mod:`yuqing.app.web.views.incident_edit`'s), the harmful posts inside it, precedents
from the case library with why they matched, the calendar context, the enterprises its posts name
(linking to their pages) and the full history of its alerts (those of the incidents merged into it too).
"""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from yuqing import vocabulary
from yuqing.errors import YuqingError
from yuqing.records import DEFAULT_TZ, SENTIMENTS
from yuqing.app.web.context import Web
from yuqing.app.web.params import int_param
from yuqing.app.web.views import incident_edit
from yuqing.app.web.views.desk import Flash
from yuqing.app.web.views.enterprise import enterprises_for_incident
from yuqing.app.web.views.incident_posts import post_groups, posts_of

log = logging.getLogger(__name__)
#: how many collapsed post groups the page lists (the chart counts every post)
POSTS_SHOWN = 100
#: the accounts counted as "the few" in the amplification figure
TOP_ACCOUNTS = 5


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


def amplification(docs: list) -> dict[str, Any]:
    """How much of the volume the few most active accounts made (``flagged``: half or more of it, when
    there are more accounts than the few: an incident of five accounts is not amplified by five)."""
    authors = Counter(d.author for d in docs if d.author)
    top = authors.most_common(TOP_ACCOUNTS)
    share = sum(n for _, n in top) / len(docs) if docs else 0.0
    return {"accounts": len(authors), "top": top, "share": share,
            "flagged": share >= 0.5 and len(authors) > TOP_ACCOUNTS}


def routes(web: Web) -> list[Route]:
    store = web.store
    flash = Flash()  # the one-time message after a merge or split (incident_edit)

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
        # the cards of the incidents merged into this one are its history too
        owners = [incident.id, *(getattr(incident, "merged_from", None) or [])]
        alerts = store.find_records("alerts", {"incident_id": owners}, order_by="created_at")
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
            lineage=list(reversed(store.find_records("lineage", {"incident_id": incident.id}, order_by="run_at",
                                                     descending=True, limit=50))),
            related=related(request, incident), precedents=precedents(store, incident, web.config), alerts=alerts,
            enterprises=enterprises_for_incident(store, web.user_of(request), [d.id for d in docs]),
            calendar=sorted({entry for a in alerts for entry in a.calendar}),
            flash=flash.pop(web.user_of(request).name, request.query_params.get("msg")),
            actions=edit_actions(request, incident))

    def related(request: Request, incident) -> dict[str, Any]:
        """The incidents its lineage names (merged into, merged from, split from, split off), as links
        when the user may open them."""
        names = {"into": [getattr(incident, "merged_into", None)],
                 "merged_from": getattr(incident, "merged_from", None),
                 "split_from": getattr(incident, "parent_ids", None) or [getattr(incident, "split_from", None)],
                 "split_off": [getattr(r, "into", None) for r in store.find_records(
                     "lineage", {"incident_id": incident.id, "relation": "split_off"}, order_by="run_at")]}
        found: dict[str, Any] = {}
        for key, ids in names.items():
            found[key] = [_link(request, i) for i in dict.fromkeys(i for i in ids or [] if i)]
        others = {h.get("other_id") for h in getattr(incident, "history", None) or [] if h.get("other_id")}
        found["names"] = {i: _link(request, i) for i in others}
        return found

    def _link(request: Request, incident_id: str) -> dict[str, Any]:
        other = store.get_record("incidents", incident_id)
        user = web.user_of(request)
        visible = other is not None and (user.streets is None or set(other.streets) & set(user.streets))
        return {"id": incident_id, "label": (other.label or incident_id) if visible else incident_id,
                "open": bool(visible)}

    def edit_actions(request: Request, incident) -> dict[str, Any]:
        """What the page offers an analyst: the forms' revision and the other incidents (plain: no
        personal data, and a revision must reach the form unchanged)."""
        if not incident_edit.can_edit(web.user_of(request)) or getattr(incident, "merged_into", None):
            return {"edit": False}
        from clustering.manual import revision

        return {"edit": True, "revision": revision(incident),
                "candidates": incident_edit.candidates(web, request, incident)}

    def api_series(request: Request):
        incident = web.visible_incident(request, request.path_params["incident_id"])
        docs, analyses = posts_of(store, incident)
        return web.json(request, series(docs, analyses))

    return [Route("/incidents", incidents_page), Route("/incidents/{incident_id}", incident_page),
            Route("/api/incidents/{incident_id}/series", api_series), *incident_edit.routes(web, flash)]


#: the case retriever's reasons (English, for the command line) → the page's words
_REASONS = (("same kind: ", "同类事件："), ("same category: ", "同类别："), ("shared category: ", "类别相同："), ("same place: ", "同地点："),
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


def precedents(store, incident, config, limit: int = 3) -> list[dict[str, Any]]:
    """Cases most like the incident, with the retriever's reasons (lexical: no model to load), filtered
    as the ``cases.`` settings say: no precedent is better than a wrong one."""
    from case_library.library import CaseLibrary
    from case_library.retrieval import precedent_options

    try:
        matches = CaseLibrary(store, mode="lexical", **precedent_options(config)).similar_to_incident(incident,
                                                                                                     limit=limit)
    except YuqingError as exc:  # the incident page still shows, without its precedents
        log.warning("incident %s: precedents not found: %s", incident.id, exc)
        return []
    found = []
    for match in matches:
        case = store.get_record("cases", match.case_id)
        found.append({"match": match, "case": case, "reasons": [reason_text(r) for r in match.reasons]})
    return found
