"""``sentiment_shift``: the negative share of an incident or a street jumping past a threshold."""
from __future__ import annotations

from collections import defaultdict

from alerts.rules import RULE_TYPES
from alerts.rules.base import EvalContext, Finding, Rule


@RULE_TYPES.register("sentiment_shift")
class SentimentShiftRule(Rule):
    """Raise when negative share (负面占比) passes ``threshold`` having risen by at least ``min_rise``.

    ``scope: incident`` reads the incident's sentiment mix; ``scope: street`` compares the negative
    share of a cycle's new documents in a street with the street's running share (kept in state).
    """

    summary = "negative share of an incident or street jumping past a threshold"
    options = {"scope": {"enum": ["incident", "street"]}, "threshold": {"type": "number", "minimum": 0, "maximum": 1},
               "min_rise": {"type": "number", "minimum": 0, "maximum": 1}, "min_docs": {"type": "integer", "minimum": 1}}

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        if self.opts.get("scope", "incident") == "incident":
            return self._incidents(ctx)
        return self._streets(ctx)

    def _incidents(self, ctx: EvalContext) -> list[Finding]:
        last = ctx.state.setdefault("incidents", {})
        findings = []
        for inc in ctx.incidents:
            if self.match.get("categories") and inc.category not in self.match["categories"]:
                continue
            if self.match.get("streets") and not set(inc.streets) & set(self.match["streets"]):
                continue
            share = float(inc.sentiment.get("negative", 0.0))
            before = last.get(inc.id, 0.0)
            last[inc.id] = share
            if inc.size < self.opts.get("min_docs", 5):
                continue
            finding = self._finding(inc.id, share, before, inc.label, inc.doc_ids[-50:],
                                    inc.streets[0] if inc.streets else None, inc.category, inc.size)
            if finding:
                finding.incident_id = inc.id
                findings.append(finding)
        return findings

    def _streets(self, ctx: EvalContext) -> list[Finding]:
        running = ctx.state.setdefault("streets", {})   # street -> [negative share, docs seen]
        cycle = defaultdict(list)
        for item in ctx.items:
            if item.analysis and item.street and self.matches(item):
                cycle[item.street].append(item)
        findings = []
        for street, items in cycle.items():
            neg = sum(1 for i in items if i.analysis.sentiment.label == "negative")
            share = neg / len(items)
            before, seen = running.get(street, [0.0, 0])
            running[street] = [(before * seen + neg) / (seen + len(items)), min(seen + len(items), 500)]
            if len(items) < self.opts.get("min_docs", 5) or seen == 0:
                continue
            finding = self._finding(street, share, before, f"{street} 负面情绪", [i.doc.id for i in items][-50:],
                                    street, items[0].category, len(items))
            if finding:
                findings.append(finding)
        return findings

    def _finding(self, key, share, before, label, doc_ids, street, category, volume):
        threshold, rise = self.opts.get("threshold", 0.6), self.opts.get("min_rise", 0.2)
        if share < threshold or share - before < rise:
            return None
        return Finding(dedup_key=key, title=f"{label}：负面占比升至 {share:.0%}", doc_ids=doc_ids, street=street,
                       category=category, evidence={"volume": volume, "negative_share": share},
                       reasons=[f"负面占比 {before:.0%} → {share:.0%}（阈值 {threshold:.0%}）"])
