"""Enterprise risk over a store: link, score a month, and what an enterprise page shows.

:func:`score_month` is what ``yuqing indicators score`` runs: it links the documents of the
opinion window again (an import may have brought new names), scores every enterprise that has
indicators or links, and keeps the scores in ``enterprise_scores`` (id per enterprise, month and
risk, so scoring a month again replaces its scores). The ``enterprise_risk`` alert rule reads them.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Iterable, Optional

from enterprise.linking import Linker, relink
from enterprise.records import RiskScore, shift_month
from enterprise.scoring import festival_windows, peer_factors, score_enterprise
from yuqing.records import DEFAULT_TZ, now

#: months of indicators read before the scored one: baseline (up to 6) and last year's (12 + 6)
HISTORY_MONTHS = 19
#: incidents read to find those holding an enterprise's posts; alerts of its street read to find its cards
INCIDENTS_READ = 2000
ALERTS_READ = 2000


def month_start(month: str) -> datetime:
    return datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=DEFAULT_TZ)


def latest_period(store) -> Optional[str]:
    """The latest month any indicator row was given for, or ``None``."""
    found = store.find_records("enterprise_indicators", order_by="period", descending=True, limit=1)
    return found[0].period if found else None


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def score_month(store, config, month: str, *, calendar=None, relink_documents: bool = True,
                enterprises: Optional[list] = None) -> dict[str, Any]:
    """Score every enterprise for ``month`` and keep the scores; returns a summary with the scores."""
    opinion_months = config["enterprise.opinion_months"]
    ents = enterprises if enterprises is not None else store.find_records("enterprises")
    linking = None
    if relink_documents:
        linker = Linker(ents, min_chars=config["enterprise.link_min_chars"])
        linking = relink(store, linker, month_start(shift_month(month, 1 - opinion_months)),
                         month_start(shift_month(month, 1)))
    months = [shift_month(month, -back) for back in range(HISTORY_MONTHS)]
    series: dict[str, dict] = defaultdict(dict)
    for chunk in _chunks(months, 50):
        for row in store.find_records("enterprise_indicators", {"period": chunk}):
            series[row.enterprise][row.period] = row
    links = defaultdict(list)
    for link in store.find_records("enterprise_links", {"month": months[:opinion_months]}):
        links[link.enterprise].append(link)
    peers = peer_factors(series.values(), [month, shift_month(month, -1)], config["enterprise.baseline_months"])
    thresholds = config["enterprise.thresholds"]
    windows_by_street: dict = {}
    scored_at = now()
    scores: list[RiskScore] = []
    for ent in ents:
        if not series.get(ent.id) and not links.get(ent.id):
            continue
        if ent.street not in windows_by_street:
            windows_by_street[ent.street] = festival_windows(calendar, month, ent.street)
        scores += score_enterprise(ent, series.get(ent.id, {}), links.get(ent.id, []), month,
                                   thresholds=thresholds, windows=windows_by_street[ent.street],
                                   baseline_months=config["enterprise.baseline_months"],
                                   opinion_months=opinion_months, peers=peers, scored_at=scored_at)
    for chunk in _chunks(scores, 1000):
        store.put_records("enterprise_scores", chunk)
    store.flush()
    return {"month": month, "enterprises": len({s.enterprise for s in scores}),
            "warnings": sum(s.warning for s in scores), "linking": linking, "scores": scores}


# --- what the enterprise page (and `yuqing indicators show`) reads -----------------------------------

def enterprise_series(store, enterprise_id: str) -> list[dict[str, Any]]:
    """Its indicator months, oldest first: ``[{"period", "headcount", "power_kwh", …}]`` (for charts)."""
    rows = store.find_records("enterprise_indicators", {"enterprise": enterprise_id}, order_by="period")
    return [row.model_dump(mode="json", exclude={"id", "enterprise", "source_file"}) for row in rows]


def linked_documents(store, enterprise_id: str, *, tickets: bool = False, limit: int = 200) -> list[tuple]:
    """``(link, document)`` of its linked posts (or, with ``tickets``, its 12345 tickets), newest first.

    The texts are as stored: a caller that shows them masks them for its audience.
    """
    links = store.find_records("enterprise_links", {"enterprise": enterprise_id}, order_by="published_at",
                               descending=True)
    links = [link for link in links if (link.source_type == "hotline") == tickets][:limit]
    docs = {d.id: d for d in store.get_documents([link.doc_id for link in links])}
    # a document deleted by retention is skipped: readers skip ids they cannot find
    return [(link, docs[link.doc_id]) for link in links if link.doc_id in docs]


def enterprise_documents(store, enterprise_id: str, *, tickets: bool = False, limit: int = 200) -> list[dict]:
    """Its linked posts (or, with ``tickets``, its 12345 tickets), newest first, with the link evidence.

    Texts are masked (phones, ID numbers) as everywhere they are shown widely.
    """
    from yuqing.privacy import mask_text

    out = []
    for link, doc in linked_documents(store, enterprise_id, tickets=tickets, limit=limit):
        out.append({"doc_id": doc.id, "published_at": doc.published_at.isoformat(), "source": doc.source,
                    "title": mask_text(doc.title or ""), "text": mask_text(doc.text[:300]), "url": doc.url,
                    "via": link.via, "terms": link.terms, "sentiment": link.sentiment})
    return out


def enterprise_scores(store, enterprise_id: str, limit: int = 72) -> list[dict[str, Any]]:
    """Its risk scores, newest month first, each with its signals."""
    rows = store.find_records("enterprise_scores", {"enterprise": enterprise_id}, order_by="month",
                              descending=True, limit=limit)
    return [row.model_dump(mode="json") for row in rows]


def enterprise_view(store, enterprise_id: str) -> Optional[dict[str, Any]]:
    """Everything an enterprise page shows, or ``None`` for an unknown id."""
    ent = store.get_record("enterprises", enterprise_id)
    if ent is None:
        return None
    return {"enterprise": ent.model_dump(mode="json"), "series": enterprise_series(store, enterprise_id),
            "posts": enterprise_documents(store, enterprise_id),
            "tickets": enterprise_documents(store, enterprise_id, tickets=True),
            "scores": enterprise_scores(store, enterprise_id)}


def enterprises_of_document(store, doc_id: str) -> list[dict[str, Any]]:
    """The enterprises a document is linked to (for the incident page: ``[{"id", "name", "via"}]``)."""
    links = store.find_records("enterprise_links", {"doc_id": doc_id})
    ents = {e.id: e for e in store.find_records("enterprises", {"id": [link.enterprise for link in links]})} \
        if links else {}
    return [{"id": link.enterprise, "name": ents[link.enterprise].name if link.enterprise in ents else None,
             "via": link.via} for link in links]


def enterprises_of_documents(store, doc_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The enterprises any of ``doc_ids`` is linked to (for the incident page), the most linked first:
    ``[{"enterprise": Enterprise, "doc_ids": [...], "via": [...]}]``."""
    groups: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(list(dict.fromkeys(doc_ids))):
        for link in store.find_records("enterprise_links", {"doc_id": chunk}):
            group = groups.setdefault(link.enterprise, {"doc_ids": [], "via": []})
            group["doc_ids"].append(link.doc_id)
            group["via"] = list(dict.fromkeys([*group["via"], *link.via]))
    ents = {e.id: e for chunk in _chunks(list(groups)) for e in store.find_records("enterprises", {"id": chunk})}
    found = [{"enterprise": ents[eid], **group} for eid, group in groups.items() if eid in ents]
    return sorted(found, key=lambda g: (-len(g["doc_ids"]), g["enterprise"].name))


def incidents_of_enterprise(store, enterprise_id: str, where: Optional[dict] = None, limit: int = 50) -> list:
    """The incidents holding any of its linked posts or tickets, the latest first.

    Incidents are not indexed by document, so those active since its first linked post are read
    (at most :data:`INCIDENTS_READ`) and kept when they hold one of its documents.
    """
    links = store.find_records("enterprise_links", {"enterprise": enterprise_id}, order_by="published_at")
    if not links:
        return []
    ids = {link.doc_id for link in links}
    found = store.find_records("incidents", where, since=links[0].published_at, order_by="last_seen",
                               descending=True, limit=INCIDENTS_READ)
    return [incident for incident in found if ids & set(incident.doc_ids)][:limit]


def alerts_of_enterprise(store, enterprise, limit: int = 50) -> list:
    """Its ``enterprise_risk`` cards (the alerts whose evidence names it), the newest first."""
    found = store.find_records("alerts", {"street": enterprise.street, "category": "labor_dispute"},
                               order_by="created_at", descending=True, limit=ALERTS_READ)
    mine = [a for a in found if (getattr(a, "evidence", None) or {}).get("enterprise") == enterprise.id]
    return mine[:limit]


def current_scores(store, where: Optional[dict] = None, limit: int = 300) -> tuple[Optional[str], list[dict]]:
    """The latest scored month and its scores, one row per enterprise (the highest score first):
    ``(month, [{"enterprise", "name", "street", "top", "scores": {risk: RiskScore}}])``."""
    newest = store.find_records("enterprise_scores", where, order_by="month", descending=True, limit=1)
    if not newest:
        return None, []
    month = newest[0].month
    rows: dict[str, dict[str, Any]] = {}
    for score in store.find_records("enterprise_scores", {**(where or {}), "month": month}, order_by="score",
                                    descending=True, limit=limit * 3):
        row = rows.setdefault(score.enterprise, {"enterprise": score.enterprise, "name": score.name,
                                                 "street": score.street, "top": score.score, "scores": {}})
        row["scores"][score.risk] = score
    return month, list(rows.values())[:limit]
