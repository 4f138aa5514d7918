"""``frequency``: N matching documents within T minutes (per street, category or incident)."""
from __future__ import annotations

from datetime import timedelta

from alerts.rules import RULE_TYPES
from alerts.rules.base import GROUP_BY, TERM_OPTIONS, EvalContext, Finding, Rule, short, term_matcher


@RULE_TYPES.register("frequency")
class FrequencyRule(Rule):
    """Raise when at least ``count`` matching documents fall within ``minutes`` (频次).

    The window is kept in the rule's state (times and ids of recent matches), so a cycle only reads
    the new documents.
    """

    summary = "N matching documents within T (optionally per street / category / incident)"
    options = {**TERM_OPTIONS, "count": {"type": "integer", "minimum": 1},
               "minutes": {"type": "number", "exclusiveMinimum": 0}, "group_by": GROUP_BY}
    required_options = ("count", "minutes")

    def __init__(self, spec):
        super().__init__(spec)
        self.terms = term_matcher(self)

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        window = timedelta(minutes=self.opts["minutes"])
        floor = (ctx.now - window).timestamp()
        groups = ctx.state.setdefault("groups", {})
        touched: dict[str, object] = {}
        for item in ctx.items:
            if not self.matches(item) or (not self.terms.empty and not self.terms.hits(item)):
                continue
            key = self.group_of(item, self.opts.get("group_by", "none"))
            groups.setdefault(key, []).append([item.doc.published_at.timestamp(), item.doc.id])
            touched[key] = item
        for key in list(groups):  # forget what left the window
            groups[key] = [e for e in groups[key] if e[0] >= floor]
            if not groups[key]:
                del groups[key]
        findings = []
        for key, item in touched.items():
            entries = groups.get(key, [])
            if len(entries) < self.opts["count"]:
                continue
            findings.append(Finding(
                dedup_key=key, title=f"{item.street or ''} {self.opts['minutes']:g} 分钟内 {len(entries)} 条相关信息".strip(),
                summary=short(item.content, 120), doc_ids=[e[1] for e in entries][-200:],
                street=item.street, category=item.category,
                incident_id=key if self.opts.get("group_by") == "incident" and item.incident_id else None,
                evidence={"volume": len(entries)},
                reasons=[f"{self.opts['minutes']:g} 分钟内 {len(entries)} 条（阈值 {self.opts['count']}）"]))
        return findings
