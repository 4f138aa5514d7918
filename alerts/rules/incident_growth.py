"""``incident_growth``: an incident entering the growing or burst state (事件升温/爆发)."""
from __future__ import annotations

from alerts.rules import RULE_TYPES
from alerts.rules.base import EvalContext, Finding, Rule

LEVELS = ("quiet", "growing", "burst")


@RULE_TYPES.register("incident_growth")
class IncidentGrowthRule(Rule):
    """Raise when an incident's ``growth`` passes ``growing`` (or ``burst``) with at least ``min_size`` docs.

    Only an entry into a higher state raises or updates the alert; the state of each incident is kept.
    """

    summary = "an incident entering the growing or burst state"
    options = {"growing": {"type": "number", "exclusiveMinimum": 0}, "burst": {"type": "number", "exclusiveMinimum": 0},
               "min_size": {"type": "integer", "minimum": 1}}

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        seen = ctx.state.setdefault("levels", {})
        findings = []
        for inc in ctx.incidents:
            if self.match.get("categories") and inc.category not in self.match["categories"]:
                continue
            if self.match.get("streets") and not set(inc.streets) & set(self.match["streets"]):
                continue
            level = self.level(inc)
            before = seen.get(inc.id, 0)
            seen[inc.id] = level
            if level <= before or level == 0:
                continue
            findings.append(Finding(
                dedup_key=inc.id, incident_id=inc.id, title=f"事件{'爆发' if level == 2 else '升温'}：{inc.label}",
                summary="、".join(inc.keywords[:8]), doc_ids=inc.doc_ids[-50:],
                street=inc.streets[0] if inc.streets else None, category=inc.category,
                evidence={"volume": inc.size, "growth": inc.growth, "level": LEVELS[level]},
                reasons=[f"增长率 {inc.growth:.1f}，规模 {inc.size} 篇，进入{'爆发' if level == 2 else '升温'}状态"]))
        if len(seen) > 20000:
            for key in list(seen)[:len(seen) - 20000]:
                del seen[key]
        return findings

    def level(self, inc) -> int:
        if inc.size < self.opts.get("min_size", 5):
            return 0
        if inc.growth >= self.opts.get("burst", 5.0):
            return 2
        return 1 if inc.growth >= self.opts.get("growing", 2.0) else 0
