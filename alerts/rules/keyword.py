"""``keyword``: words (jieba tokens), phrases or regular expressions, with exclusions."""
from __future__ import annotations

from collections import defaultdict

from alerts.rules import RULE_TYPES
from alerts.rules.base import GROUP_BY, TERM_OPTIONS, EvalContext, Finding, Rule, short, term_matcher


@RULE_TYPES.register("keyword")
class KeywordRule(Rule):
    """Raise when new documents contain the rule's terms (关键词), grouped into one alert per group."""

    summary = "words, phrases or regex over jieba tokens and text, with exclusions"
    options = {**TERM_OPTIONS, "min_hits": {"type": "integer", "minimum": 1}, "group_by": GROUP_BY}

    def __init__(self, spec):
        super().__init__(spec)
        self.terms = term_matcher(self)
        if self.terms.empty:
            from yuqing.errors import ConfigError
            raise ConfigError(f"{spec.file}: rule {spec.name}: a keyword rule needs at least one of words, "
                              f"phrases or regex under options")

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        groups: dict[str, list] = defaultdict(list)
        for item in ctx.items:
            if not self.matches(item):
                continue
            hits = self.terms.hits(item)
            if len(hits) >= self.opts.get("min_hits", 1):
                groups[self.group_of(item, self.opts.get("group_by", "street"))].append((item, hits))
        findings = []
        for key, matched in groups.items():
            first = matched[0][0]
            terms = sorted({t for _, hits in matched for t in hits})
            findings.append(Finding(
                dedup_key=key, title=f"{first.street or ''} 关键词「{'、'.join(terms[:5])}」".strip(),
                summary=short(first.content, 120), doc_ids=[i.doc.id for i, _ in matched],
                street=first.street, category=first.category,
                incident_id=first.incident_id if key == first.incident_id else None,
                evidence={"volume": len(matched)}, reasons=[f"{len(matched)} 篇新文档含 {'、'.join(terms[:5])}"]))
        return findings
