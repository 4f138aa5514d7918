"""The rule interface: a rule reads what is new since its last cycle and returns findings.

A rule type declares its options as JSON-schema properties (``options``) and the ones it cannot do
without (``required_options``); :mod:`alerts.schema` validates a rule file against them at load.
Rules never write the store: they return :class:`Finding` objects and keep what they must remember
between cycles in ``ctx.state`` (kept in the store by the stage), which is what makes evaluation
incremental.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from yuqing.records import Analysis, Document, Incident
from yuqing.storm import StormMode

#: Options every document rule accepts, to narrow what it looks at.
MATCH_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "categories": {"type": "array", "items": {"type": "string"}},
        "streets": {"type": "array", "items": {"type": "string"}},
        "sentiment": {"type": "array", "items": {"enum": ["negative", "neutral", "positive"]}},
        "sources": {"type": "array", "items": {"type": "string"}},
        "source_types": {"type": "array", "items": {"type": "string"}},
        "min_category_score": {"type": "number", "minimum": 0, "maximum": 1},
    },
}

GROUP_BY = {"enum": ["none", "street", "category", "incident"]}


@dataclass
class RuleSpec:
    """One rule as written in a rule file (validated)."""

    name: str
    type: str
    severity: str = "yellow"
    description: str = ""
    enabled: bool = True
    realert_minutes: Optional[int] = None
    max_severity: str = "red"
    match: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    file: str = ""


@dataclass
class Finding:
    """What a rule wants raised. The stage turns it into an alert (new or updated).

    Attributes:
        dedup_key: what makes two findings the same alert (one open alert per rule per key).
        evidence: numbers the severity grading reads (``volume``, ``growth``, ``urgency``,
            ``vulnerable``, ``calendar_sensitivity``, ``case_outcome_bad``, ``level``).
    """

    dedup_key: str
    title: str
    summary: str = ""
    doc_ids: list[str] = field(default_factory=list)
    incident_id: Optional[str] = None
    street: Optional[str] = None
    category: Optional[str] = None
    severity: Optional[str] = None
    evidence: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    calendar: list[str] = field(default_factory=list)
    similar_cases: list[dict[str, Any]] = field(default_factory=list)
    #: a request for help as ``yuqing rescue`` writes it (CONTRACT.md); the stage keeps it in the
    #: store's ``rescue_requests`` for the emergency desk, next to the alert that carries it
    rescue_request: Optional[dict[str, Any]] = None


@dataclass
class Item:
    """A new document with its analysis (``None`` when it has none yet) and its tokens."""

    doc: Document
    analysis: Optional[Analysis]
    tokens: list[str] = field(default_factory=list)
    incident_id: Optional[str] = None

    @property
    def street(self) -> Optional[str]:
        return self.analysis.location.street if self.analysis else None

    @property
    def category(self) -> Optional[str]:
        return self.analysis.top_category if self.analysis else None

    @property
    def content(self) -> str:
        return f"{self.doc.title or ''}\n{self.doc.text}"


@dataclass
class EvalContext:
    """What one rule sees in one cycle.

    Attributes:
        now: the cycle's time (injectable for tests and replays).
        items: documents new since the last cycle, analysed where possible.
        incidents: incidents created or updated since the last cycle.
        state: this rule's memory (a JSON-able dict), saved after the cycle.
        store: the store, for rules that count over history (read only).
        calendar, cases: the event calendar and case library when installed, else ``None``.
        storm: storm mode as read this cycle (off unless the desk or the storm watch switched it
            on); its ``keywords`` include ``storm.keywords``.
    """

    now: datetime
    items: list[Item]
    incidents: list[Incident]
    state: dict[str, Any]
    store: Any = None
    calendar: Any = None
    cases: Any = None
    sources: list[Any] = field(default_factory=list)
    #: shared by every rule of one cycle, for work several rules would repeat (case look-ups, grouping)
    cache: dict[str, Any] = field(default_factory=dict)
    storm: StormMode = field(default_factory=StormMode)


class Rule:
    """Base of every rule type.

    Attributes:
        options: JSON-schema properties of the type's own options.
        required_options: options a rule file must give.
    """

    plugin_name = ""
    options: dict[str, Any] = {}
    required_options: tuple[str, ...] = ()
    #: documentation line for the README meta-test
    summary = ""
    #: True for a rule whose memory only maps identities to card keys (re-reading an item with it
    #: gives the same keys, and counts nothing twice): the stage saves it *before* writing the
    #: rule's cards, so a service killed in between never leaves a card its memory does not know.
    #: Other memories (baselines, counts) are saved after the cards, and a killed cycle is re-read.
    memory_first = False
    #: False for a rule whose card is about something other than its posts (an enterprise's monthly
    #: score): its card stays its own even when its posts belong to one incident
    #: (:func:`join_incidents`, :func:`alerts.incident_cards.fold_post_cards`).
    joins_incidents = True

    def __init__(self, spec: RuleSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.opts = spec.options
        self.match = spec.match

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        raise NotImplementedError

    # helpers shared by document rules -----------------------------------------------------------
    def matches(self, item: Item) -> bool:
        """Whether an item passes the rule's ``match`` filter."""
        m, a = self.match, item.analysis
        if m.get("sources") and item.doc.source not in m["sources"]:
            return False
        if m.get("source_types") and item.doc.source_type not in m["source_types"]:
            return False
        if not (m.get("categories") or m.get("streets") or m.get("sentiment")):
            return True
        if a is None:
            return False  # these filters need an analysis
        if m.get("categories"):
            floor = m.get("min_category_score", 0.0)
            if not any(c.label in m["categories"] and c.score >= floor for c in a.categories[:2]):
                return False
        if m.get("streets") and a.location.street not in m["streets"]:
            return False
        if m.get("sentiment") and a.sentiment.label not in m["sentiment"]:
            return False
        return True

    def group_of(self, item: Item, group_by: str) -> str:
        if group_by == "street":
            return item.street or "?"
        if group_by == "category":
            return item.category or "?"
        if group_by == "incident":
            return item.incident_id or f"doc:{item.doc.id}"
        return "*"


class TermMatcher:
    """Words (jieba tokens), phrases (substrings) and regular expressions, with exclusions (排除词)."""

    def __init__(self, words=(), phrases=(), regex=(), exclude=(), where: str = "") -> None:
        self.words = set(words)
        self.phrases = list(phrases)
        try:
            self.regex = [re.compile(p) for p in regex]
        except re.error as exc:
            from yuqing.errors import ConfigError
            raise ConfigError(f"{where}: regex {exc.pattern!r} is not a valid regular expression ({exc}); "
                              f"fix the pattern") from None
        self.exclude = list(exclude)

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.regex)

    def hits(self, item: Item) -> list[str]:
        """The terms found in the item ([] if none, or if an exclusion is present)."""
        text = item.content
        token_set = set(item.tokens)
        if any(x in text or x in token_set for x in self.exclude):
            return []
        found = sorted(self.words & token_set)
        found += [p for p in self.phrases if p in text]
        for pattern in self.regex:
            match = pattern.search(text)
            if match:
                found.append(match.group(0))
        return found


TERM_OPTIONS = {
    "words": {"type": "array", "items": {"type": "string"}},
    "phrases": {"type": "array", "items": {"type": "string"}},
    "regex": {"type": "array", "items": {"type": "string"}},
    "exclude": {"type": "array", "items": {"type": "string"}},
}


def term_matcher(rule: Rule) -> TermMatcher:
    o = rule.opts
    return TermMatcher(o.get("words", ()), o.get("phrases", ()), o.get("regex", ()), o.get("exclude", ()),
                       where=f"{rule.spec.file}: rule {rule.name}")


def short(text: str, limit: int = 60) -> str:
    """A one-line excerpt, phone and ID numbers masked (titles and summaries are shown widely)."""
    from yuqing.privacy import mask_text

    line = " ".join((text or "").split())
    line = mask_text(line)
    return line if len(line) <= limit else line[:limit] + "…"


def incident_owners(ctx: "EvalContext") -> dict[str, str]:
    """Post id -> incident id, for the posts of the incidents updated this cycle and the new posts."""
    owner = {doc_id: inc.id for inc in ctx.incidents for doc_id in inc.doc_ids}
    owner.update({i.doc.id: i.incident_id for i in ctx.items if i.incident_id})
    return owner


def incident_of(doc_ids: list[str], owner: dict[str, str]) -> Optional[str]:
    """The incident most of the posts belong to (then the finding joins that incident's card), else ``None``."""
    top = Counter(owner.get(d) for d in doc_ids).most_common(1)
    if top and top[0][0] is not None and top[0][1] * 2 > len(doc_ids):
        return top[0][0]
    return None


def join_incidents(ctx: "EvalContext", findings: list[Finding]) -> list[Finding]:
    """Give a finding that names no incident the incident most of its posts belong to, so a rule that
    fires on posts (a keyword, a harmful post, a street's frequency) joins its event's one card.
    Requests for help keep their own card (the desk works them one by one)."""
    loose = [f for f in findings if f.incident_id is None and f.rescue_request is None and f.doc_ids]
    if loose:
        owner = incident_owners(ctx)
        for finding in loose:
            finding.incident_id = incident_of(finding.doc_ids, owner)
    return findings
