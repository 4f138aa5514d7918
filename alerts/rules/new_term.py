"""``new_term``: a term never seen before in a street or category over the look-back (新词)."""
from __future__ import annotations


from alerts.rules import RULE_TYPES
from alerts.rules.base import EvalContext, Finding, Item, Rule, incident_of, incident_owners, short

DAY = 86400
#: the storm's words remembered at most (the newest kept)
STORM_TERMS_MAX = 50000


@RULE_TYPES.register("new_term")
class NewTermRule(Rule):
    """Raise when a term unseen for ``lookback_days`` in its street/category shows up in ``min_docs`` docs.

    Terms are the analysis keywords (the document's jieba tokens when it has none). The rule learns
    silently for ``warmup_hours`` after it first runs, and again for every street (or category) it
    meets for the first time, so neither a fresh install nor a new street flags every word.

    What it looks for is a new topic in a street: a new estate, company or slogan. A storm is not one:
    its words are new in every street at once, and its requests for help and its events have their own
    cards. So while storm mode is on, the storm's own words are learnt silently instead of flagged:
    the storm's keywords and places, and every term of a request for help or a natural-disaster post
    of the last ``storm_hours`` (learnt in every cycle, so the hours before the switch count too).
    New terms of one group whose posts overlap are one topic and one finding; a finding whose posts
    are mostly one incident's names it, and joins that incident's one card.
    """

    summary = "a term never seen before in a street/category over the look-back"
    options = {"group_by": {"enum": ["street", "category", "none"]},
               "lookback_days": {"type": "integer", "minimum": 1}, "min_docs": {"type": "integer", "minimum": 1},
               "warmup_hours": {"type": "number", "minimum": 0}, "min_length": {"type": "integer", "minimum": 1},
               "ignore": {"type": "array", "items": {"type": "string"}},
               "storm_hours": {"type": "number", "minimum": 0}}

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        now = ctx.now.timestamp()
        warmup = self.opts.get("warmup_hours", 24) * 3600
        started = ctx.state.setdefault("started", now)
        groups_started = ctx.state.setdefault("groups_started", {})  # group -> when the rule first saw it
        seen = ctx.state.setdefault("seen", {})      # group -> term -> last day seen
        fresh = ctx.state.setdefault("fresh", {})    # group|term -> doc ids while below min_docs
        lookback = self.opts.get("lookback_days", 30)
        storm = self._storm_words(ctx, now)
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
            known = seen.setdefault(group, {})
            for term in self._terms(item):
                key = f"{group}|{term}"
                last = known.get(term)
                if last is not None and today - last <= lookback and key not in fresh:
                    known[term] = today
                    continue
                if learning or term in storm:
                    known[term] = today
                    if term in storm:
                        fresh.pop(key, None)
                    continue
                ids = fresh.setdefault(key, [])
                ids.append(item.doc.id)
                if len(ids) >= self.opts.get("min_docs", 2):
                    found[key] = (item, term, ids)
        for key, (item, term, ids) in found.items():
            fresh.pop(key, None)
            seen[key.split("|", 1)[0]][term] = today
        self._prune(seen, fresh, today, lookback)
        owner = incident_owners(ctx)
        return [self._finding(topic, lookback, owner) for topic in _topics(found)]

    @staticmethod
    def _finding(topic: list[tuple], lookback: int, owner: dict[str, str]) -> Finding:
        key, item = topic[0][0], topic[0][1]
        ids = list(dict.fromkeys(d for _, _, _, doc_ids in topic for d in doc_ids))
        place = item.street or item.category or "本范围"
        words = "".join(f"「{term}」" for _, _, term, _ in topic)
        return Finding(dedup_key=key, title=f"{item.street or ''} 新出现{words}".strip(),
                       summary=short(item.content, 120), doc_ids=ids, street=item.street, category=item.category,
                       evidence={"volume": len(ids)}, incident_id=incident_of(ids, owner),
                       reasons=[f"「{term}」此前 {lookback} 天未在{place}出现，现有 {len(doc_ids)} 篇"
                                for _, _, term, doc_ids in topic])

    def _terms(self, item: Item) -> list[str]:
        """The item's terms the rule considers, in their order (analysis keywords, else tokens), once
        each; no digits, nothing ignored, nothing shorter than ``min_length``."""
        ignore = set(self.opts.get("ignore", ()))
        min_len = self.opts.get("min_length", 2)
        terms = item.analysis.keywords if item.analysis and item.analysis.keywords else item.tokens
        return [t for t in dict.fromkeys(terms) if len(t) >= min_len and t not in ignore and not t.isdigit()]

    def _storm_words(self, ctx: EvalContext, now: float) -> set[str]:
        """The storm's own words while storm mode is on (else none): its keywords and places, and the
        terms of the requests for help and natural-disaster posts of the last ``storm_hours``, which
        the rule keeps in its memory whether storm mode is on or not."""
        memory = ctx.state.setdefault("storm_terms", {})  # term -> when last seen in a storm post
        for item in ctx.items:
            if _storm_post(item):
                for term in self._terms(item):
                    memory.pop(term, None)  # re-inserted last: the newest stay when the memory is cut
                    memory[term] = now
        cutoff = now - self.opts.get("storm_hours", 48) * 3600
        for term in [t for t, at in memory.items() if at < cutoff]:
            del memory[term]
        for term in list(memory)[:max(0, len(memory) - STORM_TERMS_MAX)]:
            del memory[term]
        if not ctx.storm.on:
            return set()
        return set(memory) | set(ctx.storm.keywords) | set(ctx.storm.places)

    @staticmethod
    def _prune(seen: dict, fresh: dict, today: int, lookback: int) -> None:
        for group in list(seen):
            seen[group] = {t: d for t, d in seen[group].items() if today - d <= lookback}
        if len(fresh) > 20000:  # candidates that never reached min_docs: keep the newest
            for key in list(fresh)[:len(fresh) - 20000]:
                del fresh[key]


def _topics(found: dict[str, tuple]) -> list[list[tuple]]:
    """The cycle's new terms by topic: new terms of one group whose posts overlap are one new topic
    (a missing person's name and the clothes they wore), raised as one finding."""
    topics: list[tuple[str, set, list]] = []
    for key, (item, term, ids) in found.items():
        group, posts, members = key.split("|", 1)[0], set(ids), [(key, item, term, ids)]
        for other in [t for t in topics if t[0] == group and t[1] & posts]:
            topics.remove(other)
            posts |= other[1]
            members = other[2] + members
        topics.append((group, posts, members))
    return [members for _, _, members in topics]


def _storm_post(item: Item) -> bool:
    """A request for help or a natural-disaster post: the storm talking."""
    analysis = item.analysis
    if analysis is None:
        return False
    return bool(analysis.rescue and analysis.rescue.is_request) or analysis.top_category == "natural_disaster"
