"""The assessment's parts as the report and the JSON (CONTRACT.md ``assessment``) show them."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional


@dataclass
class Factor:
    """One reason for points in a category: the kind's base, a card fact, a procedure, a calendar
    conflict or the evidence. ``doc_ids`` are the posts a factor about opinion rests on."""

    category: str
    points: int
    why: str
    source: str  # kind | card | procedure | planning | compensation | calendar | evidence
    doc_ids: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        sign = "+" if self.points >= 0 else "−"
        return f"{sign}{abs(self.points)} 分：{self.why}"


@dataclass
class Cited:
    """A post cited as evidence: id, masked quote, link, and what the analysis said of it."""

    doc_id: str
    quote: str
    url: Optional[str]
    published_at: str
    sentiment: Optional[str]
    groups: list[str]
    source: Optional[str] = None


@dataclass
class CategoryResult:
    id: str
    label: str
    score: int
    raw: int  # the sum of the factors before clipping to 0..100
    level: str
    factors: list[Factor]
    evidence: list[Cited]
    posts: int
    negative: int
    positive: int
    cases: list[str]
    mitigations: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "level": self.level, "score": self.score,
                "factors": [f.sentence() for f in self.factors],
                "evidence": [{"doc_id": c.doc_id, "quote": c.quote, "url": c.url, "published_at": c.published_at,
                              "sentiment": c.sentiment, "groups": c.groups} for c in self.evidence],
                "cases": self.cases, "mitigations": self.mitigations,
                "breakdown": [{"points": f.points, "why": f.why, "source": f.source, "doc_ids": f.doc_ids}
                              for f in self.factors],
                "raw_score": self.raw, "posts": self.posts, "negative_posts": self.negative,
                "positive_posts": self.positive}


@dataclass
class Check:
    """One review (procedure, necessity, planning): a finding sentence and the gaps found."""

    finding: str
    gaps: list[str]
    items: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"finding": self.finding, "gaps": self.gaps}
        if self.items:
            out["items"] = self.items
        return out


@dataclass
class PlanItem:
    risk: str
    label: str
    level: str
    trigger: str
    actions: list[str]
    owner: str
    timing: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Assessment:
    """The whole assessment; :meth:`as_dict` is the contract's JSON object (plus extensions)."""

    project: str
    card: dict[str, Any]
    kind: dict[str, Any]
    level: str
    score: int
    overall_why: list[str]
    checks: dict[str, Check]
    categories: list[CategoryResult]
    similar_cases: list[dict[str, Any]]
    calendar_conflicts: list[dict[str, Any]]
    plan: list[PlanItem]
    monitoring: dict[str, Any]
    stakeholders: list[dict[str, Any]]
    timeline: dict[str, Any]
    evidence_total: int
    evidence_query: dict[str, Any]
    assessed_at: str
    level_meaning: dict[str, str]
    #: every post the assessment refers to (quotes, factors, stance), by id: the report's appendix
    cited_posts: dict[str, Cited] = field(default_factory=dict)
    #: the ids of every post read as evidence (the watch counts posts not among them as new)
    evidence_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"project": self.project, "level": self.level, "score": self.score,
                "checks": {name: check.as_dict() for name, check in self.checks.items()},
                "categories": [c.as_dict() for c in self.categories],
                "similar_cases": self.similar_cases, "calendar_conflicts": self.calendar_conflicts,
                "plan": [p.as_dict() for p in self.plan],
                # extensions
                "kind": self.kind, "overall_why": self.overall_why, "stakeholders": self.stakeholders,
                "evidence_total": self.evidence_total, "evidence_query": self.evidence_query,
                "monitoring": self.monitoring, "assessed_at": self.assessed_at}

    def full(self) -> dict[str, Any]:
        """Everything, as JSON-ready data: what the store keeps so the report can be printed again
        exactly as it was (:meth:`from_full`)."""
        return asdict(self)

    @classmethod
    def from_full(cls, data: dict[str, Any]) -> "Assessment":
        """The assessment :meth:`full` wrote."""
        data = dict(data)
        data["checks"] = {name: Check(**check) for name, check in data["checks"].items()}
        data["categories"] = [CategoryResult(**{**c, "factors": [Factor(**f) for f in c["factors"]],
                                                "evidence": [Cited(**e) for e in c["evidence"]]})
                              for c in data["categories"]]
        data["plan"] = [PlanItem(**p) for p in data["plan"]]
        data["cited_posts"] = {k: Cited(**v) for k, v in (data.get("cited_posts") or {}).items()}
        return cls(**data)
