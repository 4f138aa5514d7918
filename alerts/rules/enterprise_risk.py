"""``enterprise_risk``: an enterprise's month scored at or over its warning threshold for 欠薪 (wage
arrears), 停工 (shutdown) or 外迁 (relocation), from the scores ``yuqing indicators score`` keeps."""
from __future__ import annotations

from datetime import datetime, timedelta

from alerts.rules import RULE_TYPES
from alerts.rules.base import EvalContext, Finding, Rule
from enterprise.records import month_of, shift_month
from yuqing.storage.base import Range

RISKS = ["wage_arrears", "shutdown", "relocation"]
RISK_LABELS = {"wage_arrears": "欠薪", "shutdown": "停工", "relocation": "外迁"}
#: scores of months older than this many months before now raise no card (history, e.g. a backfill)
STALE_MONTHS = 2


@RULE_TYPES.register("enterprise_risk")
class EnterpriseRiskRule(Rule):
    """Raise one card per enterprise and risk for scores written since the last cycle that are warnings
    (score ≥ ``enterprise.thresholds``, or ≥ ``min_score`` when given); the card lists the signals,
    routes to the enterprise's street and links the enterprise page. A later month's warning updates the
    open card when it brings new posts or a higher colour (the de-duplication of every rule)."""

    summary = "an enterprise's 欠薪/停工/外迁 risk score over its threshold, with the signals behind it"
    joins_incidents = False  # the card is the enterprise's (its page lists it), not its posts' event
    options = {"risks": {"type": "array", "items": {"enum": RISKS}},
               "min_score": {"type": "number", "minimum": 0, "maximum": 100},
               "orange_from": {"type": "number", "minimum": 0, "maximum": 100},
               "streets": {"type": "array", "items": {"type": "string"}}}

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        if ctx.store is None:
            return []
        since = ctx.state.get("since")
        since_time = datetime.fromisoformat(since) + timedelta(microseconds=1) if since else None
        floor = self.opts.get("min_score")
        where = {"risk": self.opts.get("risks", RISKS)}
        if floor is None:
            where["warning"] = True
        else:
            where["score"] = Range(gte=floor)
        if self.opts.get("streets"):
            where["street"] = self.opts["streets"]
        scores = ctx.store.find_records("enterprise_scores", where, since=since_time, order_by="scored_at")
        if scores:
            ctx.state["since"] = max(s.scored_at for s in scores).isoformat()
        oldest = shift_month(month_of(ctx.now), -STALE_MONTHS)  # a past month scored late is history
        latest: dict[tuple[str, str], object] = {}
        for score in scores:
            key = (score.enterprise, score.risk)
            if score.month >= oldest and (key not in latest or score.month >= latest[key].month):
                latest[key] = score
        return [self._finding(score) for score in latest.values()]

    def _finding(self, score) -> Finding:
        label = RISK_LABELS.get(score.risk, score.risk)
        signals = list(score.signals)
        reasons = [f"{s.why}（+{s.points:g}，{_SOURCE.get(s.source, s.source)}）" for s in signals]
        doc_ids = list(dict.fromkeys(d for s in signals for d in s.doc_ids))
        severity = "orange" if score.score >= self.opts.get("orange_from", 80) else None
        return Finding(
            dedup_key=f"enterprise:{score.enterprise}:{score.risk}",
            title=f"企业{label}风险：{score.name}（{score.month}，{score.score:.0f} 分）",
            summary=f"{score.street or '街道不详'} {score.name} {score.month} {label}风险 {score.score:.0f} 分"
                    f"（预警线 {score.threshold:.0f}）：" + "；".join(s.why for s in signals[:4]),
            doc_ids=doc_ids, street=score.street, category="labor_dispute", severity=severity,
            evidence={"enterprise": score.enterprise, "month": score.month, "risk": score.risk,
                      "score": score.score, "threshold": score.threshold, "page": f"/enterprises/{score.enterprise}",
                      "signals": [s.model_dump(mode="json") for s in signals]},
            reasons=[f"{label}风险评分 {score.score:.0f}（预警线 {score.threshold:.0f}）", *reasons],
            calendar=[s.why.split("（")[0] for s in signals if s.source == "calendar"])


_SOURCE = {"indicators": "指标", "opinion": "舆情", "calendar": "日历"}
