"""``new_term``: a term never seen before in a street or category over the look-back (新词)."""
from __future__ import annotations

from alerts.rules import RULE_TYPES
from alerts.rules.base import EvalContext, Finding, Rule, short

DAY = 86400


@RULE_TYPES.register("new_term")
class NewTermRule(Rule):
    """Raise when a term unseen for ``lookback_days`` in its street/category shows up in ``min_docs`` docs.

    Terms are the analysis keywords (the document's jieba tokens when it has none). The rule learns
    silently for ``warmup_hours`` after it first runs, and again for every street (or category) it
    meets for the first time, so neither a fresh install nor a new street flags every word.
    """

    summary = "a term never seen before in a street/category over the look-back"
    options = {"group_by": {"enum": ["street", "category", "none"]},
               "lookback_days": {"type": "integer", "minimum": 1}, "min_docs": {"type": "integer", "minimum": 1},
               "warmup_hours": {"type": "number", "minimum": 0}, "min_length": {"type": "integer", "minimum": 1},
               "ignore": {"type": "array", "items": {"type": "string"}}}

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        now = ctx.now.timestamp()
        warmup = self.opts.get("warmup_hours", 24) * 3600
        started = ctx.state.setdefault("started", now)
        groups_started = ctx.state.setdefault("groups_started", {})  # group -> when the rule first saw it
        seen = ctx.state.setdefault("seen", {})      # group -> term -> last day seen
        fresh = ctx.state.setdefault("fresh", {})    # group|term -> doc ids while below min_docs
        lookback = self.opts.get("lookback_days", 30)
        ignore = set(self.opts.get("ignore", ()))
        min_len = self.opts.get("min_length", 2)
        today = int(now // DAY)
        found: dict[str, tuple] = {}
        for item in ctx.items:
            if not self.matches(item):
                continue
            group = self.group_of(item, self.opts.get("group_by", "street"))
            # a street the rule has never seen has no vocabulary yet: every word would be "new" (a
            # replay of the 2021 storm raised 742 such cards), so each group learns for its own warm-up
            first = groups_started.setdefault(str(group), started if group in seen else now)
            learning = now - started < warmup or now - first < warmup
            terms = (item.analysis.keywords if item.analysis and item.analysis.keywords else item.tokens)
            known = seen.setdefault(group, {})
            for term in set(terms):
                if len(term) < min_len or term in ignore or term.isdigit():
                    continue
                key = f"{group}|{term}"
                last = known.get(term)
                if last is not None and today - last <= lookback and key not in fresh:
                    known[term] = today
                    continue
                if learning:
                    known[term] = today
                    continue
                ids = fresh.setdefault(key, [])
                ids.append(item.doc.id)
                if len(ids) >= self.opts.get("min_docs", 2):
                    found[key] = (item, term, ids)
        for key, (item, term, ids) in found.items():
            fresh.pop(key, None)
            seen[key.split("|", 1)[0]][term] = today
        self._prune(seen, fresh, today, lookback)
        return [Finding(dedup_key=key, title=f"{item.street or ''} 新出现「{term}」".strip(),
                        summary=short(item.content, 120), doc_ids=list(ids), street=item.street,
                        category=item.category, evidence={"volume": len(ids)},
                        reasons=[f"「{term}」此前 {lookback} 天未在{item.street or item.category or '本范围'}出现，现有 {len(ids)} 篇"])
                for key, (item, term, ids) in found.items()]

    @staticmethod
    def _prune(seen: dict, fresh: dict, today: int, lookback: int) -> None:
        for group in list(seen):
            seen[group] = {t: d for t, d in seen[group].items() if today - d <= lookback}
        if len(fresh) > 20000:  # candidates that never reached min_docs: keep the newest
            for key in list(fresh)[:len(fresh) - 20000]:
                del fresh[key]
