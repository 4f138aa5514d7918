"""``case_match``: a new incident similar to a past case in the case library (相似案例)."""
from __future__ import annotations

import logging
from typing import Optional

from alerts.rules import RULE_TYPES
from alerts.rules.base import EvalContext, Finding, Rule

log = logging.getLogger(__name__)

#: Outcome words that mark a past case as having gone badly (escalation, casualties, gatherings).
BAD_OUTCOME = ("伤亡", "死亡", "遇难", "群体", "聚集", "上访", "冲突", "升级", "停工", "封堵", "堵路")


@RULE_TYPES.register("case_match")
class CaseMatchRule(Rule):
    """Raise for an incident whose most similar past case scores at least ``min_score``.

    Uses the case library's ``similar_to_incident`` when installed; otherwise the store's full-text
    search over cases scored by keyword overlap. Each incident is checked once, and again when it
    has doubled in size.
    """

    summary = "a new incident similar to a past case in the case library"
    options = {"min_score": {"type": "number", "minimum": 0, "maximum": 1},
               "limit": {"type": "integer", "minimum": 1, "maximum": 10},
               "min_size": {"type": "integer", "minimum": 1}}

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        checked = ctx.state.setdefault("checked", {})  # incident id -> size when last checked
        findings = []
        for inc in ctx.incidents:
            if inc.size < self.opts.get("min_size", 3) or inc.size < 2 * checked.get(inc.id, 0):
                continue
            if self.match.get("categories") and inc.category not in self.match["categories"]:
                continue
            found = similar(ctx, inc, self.opts.get("limit", 3))
            if found is None:
                continue  # look-up budget spent: checked next cycle
            checked[inc.id] = inc.size
            matches = [m for m in found if m["score"] >= self.opts.get("min_score", 0.6)]
            if not matches:
                continue
            bad = any(m.get("bad_outcome") for m in matches)
            top = matches[0]
            findings.append(Finding(
                dedup_key=inc.id, incident_id=inc.id, title=f"与历史案例相似：{inc.label} ≈ {top['title']}",
                summary="；".join(top.get("reasons") or []), doc_ids=inc.doc_ids[-50:],
                street=inc.streets[0] if inc.streets else None, category=inc.category,
                similar_cases=[{"case_id": m["case_id"], "score": round(m["score"], 3)} for m in matches],
                evidence={"volume": inc.size, "case_score": top["score"], "case_outcome_bad": bad},
                reasons=[f"相似案例「{top['title']}」（{top['score']:.2f}）" + ("，该案例曾升级" if bad else "")]))
        if len(checked) > 20000:
            for key in list(checked)[:len(checked) - 20000]:
                del checked[key]
        return findings


def similar(ctx: EvalContext, incident, limit: int) -> Optional[list[dict]]:
    """Similar cases as dicts {case_id, title, score, reasons, bad_outcome}, best first.

    Cached per cycle. Each look-up embeds the incident (about 10 ms, far more on a loaded machine),
    so a cycle spends at most ``ctx.cache["case_budget"]`` of them; past that, ``None`` means "not
    looked up this cycle" and the caller tries again next cycle.
    """
    key = f"similar:{incident.id}:{incident.size}:{limit}"
    if key not in ctx.cache:
        budget = ctx.cache.get("case_budget")
        if budget is not None:
            if budget <= 0:
                return None
            ctx.cache["case_budget"] = budget - 1
        ctx.cache[key] = _similar(ctx, incident, limit)
    return [dict(m) for m in ctx.cache[key]]


def _similar(ctx: EvalContext, incident, limit: int) -> list[dict]:
    found = []
    if ctx.cases is not None:
        try:
            found = [{"case_id": m.case_id, "title": m.title, "score": float(m.score), "reasons": list(m.reasons)}
                     for m in ctx.cases.similar_to_incident(incident, limit=limit)]
        except Exception as exc:
            log.warning("case library failed for incident %s (%s); using the store's case search", incident.id, exc)
            found = []
    if not found and ctx.store is not None:
        found = _store_similar(ctx.store, incident, limit)
    for match in found:
        case = ctx.store.get_record("cases", match["case_id"]) if ctx.store is not None else None
        outcome = f"{getattr(case, 'outcome', '')} {' '.join(getattr(case, 'risk_types', []) or [])}"
        match["bad_outcome"] = any(word in outcome for word in BAD_OUTCOME)
    return sorted(found, key=lambda m: -m["score"])


def _store_similar(store, incident, limit: int) -> list[dict]:
    words = set(incident.keywords)
    if not words:
        return []
    results = []
    for case, _ in store.search_records("cases", " ".join(incident.keywords[:8]), limit=limit * 3):
        overlap = words & set(case.keywords)
        if not overlap:
            continue
        score = len(overlap) / len(words | set(case.keywords))
        if incident.category and incident.category in case.categories:
            score = min(1.0, score + 0.2)
        results.append({"case_id": case.id, "title": case.title, "score": score,
                        "reasons": [f"共同关键词：{'、'.join(sorted(overlap))}"]})
    return sorted(results, key=lambda m: -m["score"])[:limit]
