"""``harmful_info``: rumours, fraud, incitement and privacy leaks above a score (有害信息)."""
from __future__ import annotations

from collections import defaultdict

from alerts.rules import RULE_TYPES
from alerts.rules.base import EvalContext, Finding, Rule, short
from yuqing.records import SEVERITIES

NAMES = {"rumor": "谣言", "fraud": "诈骗", "incitement": "煽动", "privacy_leak": "隐私泄露"}


@RULE_TYPES.register("harmful_info")
class HarmfulInfoRule(Rule):
    """One alert per harmful type per street (or incident) for documents scored above ``min_score``."""

    summary = "rumours, fraud, incitement, privacy leaks above a score"
    options = {"types": {"type": "array", "items": {"enum": list(NAMES)}},
               "min_score": {"type": "number", "minimum": 0, "maximum": 1},
               "type_severity": {"type": "object", "additionalProperties": {"enum": list(SEVERITIES)}},
               "group_by": {"enum": ["street", "incident", "none"]}}

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        wanted = set(self.opts.get("types", NAMES))
        floor = self.opts.get("min_score", 0.7)
        groups = defaultdict(list)
        for item in ctx.items:
            if not (item.analysis and item.analysis.harmful) or not self.matches(item):
                continue
            for scored in item.analysis.harmful.types:
                if scored.label in wanted and scored.score >= floor:
                    key = f"{scored.label}:{self.group_of(item, self.opts.get('group_by', 'street'))}"
                    groups[key].append((item, scored.score))
        findings = []
        for key, hits in groups.items():
            label = key.split(":", 1)[0]
            item, top = max(hits, key=lambda h: h[1])
            findings.append(Finding(
                dedup_key=key, title=f"{item.street or ''} 疑似{NAMES[label]}信息".strip(),
                summary=short(item.content, 120), doc_ids=[i.doc.id for i, _ in hits], street=item.street,
                category=item.category, severity=self.opts.get("type_severity", {}).get(label),
                incident_id=item.incident_id if self.opts.get("group_by") == "incident" else None,
                evidence={"volume": len(hits), "score": top, "harmful_type": label},
                reasons=[f"{len(hits)} 篇疑似{NAMES[label]}（最高分 {top:.2f}）"]))
        return findings
