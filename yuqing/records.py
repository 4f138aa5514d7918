"""The records of ``shared/CONTRACT.md``, typed.

Every stage of the engine takes and returns these models; they are the only thing stages share
besides the store. Field names and meanings follow the contract exactly. Extra fields may be added
(the contract allows extension) but none may be renamed.

Validation errors name the field: :func:`parse_record` turns pydantic's error list into a
:class:`~yuqing.errors.RecordError` whose message reads ``field 'published_at': …``.
"""
from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, Optional, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from yuqing.errors import RecordError

#: The engine's default zone (Asia/Shanghai has no DST, so a fixed offset is exact).
DEFAULT_TZ = timezone(timedelta(hours=8), name="Asia/Shanghai")

# --- taxonomies (fixed label names, CONTRACT.md) -------------------------------------------------
# Each spelled once, as the type the records validate against; the tuples are read from it.

Category = Literal[
    "natural_disaster", "public_safety", "traffic", "labor_dispute", "land_demolition",
    "environment", "public_health", "property_management", "consumer_finance", "education",
    "public_order", "public_service", "other",
]
Sentiment = Literal["negative", "neutral", "positive"]
HarmfulType = Literal["rumor", "fraud", "incitement", "privacy_leak"]
Vulnerable = Literal["elderly", "child", "infant", "pregnant", "disabled", "patient"]
Need = Literal["evacuation", "medical", "food_water", "power", "medicine", "shelter", "other"]
Severity = Literal["red", "orange", "yellow", "blue"]  # 一级 … 四级, most severe first
AlertState = Literal["new", "acknowledged", "dispatched", "resolved", "dismissed", "duplicate"]
SourceType = Literal["news", "forum", "social", "rss", "hotline", "import"]

CATEGORIES: tuple[str, ...] = get_args(Category)
SENTIMENTS: tuple[str, ...] = get_args(Sentiment)
HARMFUL_TYPES: tuple[str, ...] = get_args(HarmfulType)
VULNERABLE_GROUPS: tuple[str, ...] = get_args(Vulnerable)
NEEDS: tuple[str, ...] = get_args(Need)
SEVERITIES: tuple[str, ...] = get_args(Severity)
ALERT_STATES: tuple[str, ...] = get_args(AlertState)
OPEN_ALERT_STATES = ("new", "acknowledged", "dispatched")
SOURCE_TYPES: tuple[str, ...] = get_args(SourceType)


_frozen: Optional[datetime] = None


def now() -> datetime:
    """The current time in the engine's zone (aware); the frozen time inside :func:`clock_reads`."""
    return _frozen if _frozen is not None else datetime.now(DEFAULT_TZ)


def replaying() -> bool:
    """True inside :func:`clock_reads` (a replay of a past time), False on the live clock."""
    return _frozen is not None


@contextmanager
def clock_reads(at: datetime):
    """Within the block, :func:`now` returns ``at``: ``yuqing run --once --as-of TIME`` replays a past
    day (a drill, a review) with every stage evaluating as if the clock read ``at``."""
    global _frozen
    before, _frozen = _frozen, (at if at.tzinfo is not None else at.replace(tzinfo=DEFAULT_TZ))
    try:
        yield _frozen
    finally:
        _frozen = before


def stable_id(*parts: str) -> str:
    """A document id: sha1 of the canonical url, or of ``source`` + native id (CONTRACT.md)."""
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def aware(value: datetime) -> datetime:
    """Times without an offset are read in the default zone, as the contract says."""
    return value if value.tzinfo is not None else value.replace(tzinfo=DEFAULT_TZ)


class Record(BaseModel):
    """Base of all contract records: unknown fields are kept (the contract may be extended)."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)

    def to_json(self) -> str:
        """One JSONL line: UTF-8, Chinese unescaped, ISO times with offsets."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))


# --- document -------------------------------------------------------------------------------------

class Metrics(BaseModel):
    model_config = ConfigDict(extra="allow")
    likes: int = 0
    reposts: int = 0
    comments: int = 0
    views: int = 0


class Document(Record):
    """What a crawler or an import yields. Only ``id``, ``text`` and ``published_at`` are required."""

    id: str = Field(min_length=1)
    text: str
    published_at: datetime
    source: Optional[str] = None
    source_type: Optional[SourceType] = None
    url: Optional[str] = None
    title: Optional[str] = None
    author: Optional[str] = None
    collected_at: Optional[datetime] = None
    thread_id: Optional[str] = None
    metrics: Metrics = Field(default_factory=Metrics)
    place: Optional[str] = None

    _aware_times = field_validator("published_at", "collected_at")(
        lambda v: aware(v) if isinstance(v, datetime) else v)


# --- analysis -------------------------------------------------------------------------------------

class Scored(BaseModel):
    """A label and its probability; the subclasses hold the label to one taxonomy."""

    label: str
    score: float = Field(ge=0.0, le=1.0)


class SentimentResult(Scored):
    label: Sentiment


class CategoryScore(Scored):
    label: Category


class HarmfulScore(Scored):
    label: HarmfulType


class Rescue(BaseModel):
    """A request for help (求救) and its slots."""

    model_config = ConfigDict(extra="allow")
    is_request: bool = True
    score: float = Field(ge=0.0, le=1.0)
    phones: list[str] = Field(default_factory=list)
    address: Optional[str] = None
    people_count: Optional[int] = None
    vulnerable: list[Vulnerable] = Field(default_factory=list)
    needs: list[Need] = Field(default_factory=list)
    urgency: float = Field(default=0.0, ge=0.0, le=1.0)


class Harmful(BaseModel):
    types: list[HarmfulScore]


class Location(BaseModel):
    """Place down to the street (街道); unknown parts are ``None``."""

    province: Optional[str] = None
    city: Optional[str] = None
    district: Optional[str] = None
    street: Optional[str] = None
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)


class Analysis(Record):
    """What the NLP stage adds to a document (same ``id``)."""

    id: str = Field(min_length=1)
    sentiment: SentimentResult
    categories: list[CategoryScore] = Field(default_factory=list)
    rescue: Optional[Rescue] = None
    harmful: Optional[Harmful] = None
    location: Location = Field(default_factory=Location)
    keywords: list[str] = Field(default_factory=list)
    #: extension: the model version that produced each task's answer (``nlp.classify.task``)
    model_versions: dict[str, str] = Field(default_factory=dict)
    #: extension: tasks an analyst corrected (``nlp.corrections``); their answers are the analyst's
    corrected: list[str] = Field(default_factory=list)

    @field_validator("categories")
    @classmethod
    def _sorted_by_score(cls, value: list[CategoryScore]) -> list[CategoryScore]:
        return sorted(value, key=lambda c: c.score, reverse=True)

    @property
    def top_category(self) -> Optional[str]:
        return self.categories[0].label if self.categories else None


# --- incident -------------------------------------------------------------------------------------

class Incident(Record):
    """A cluster of documents about one real-world event, with a stable identity."""

    id: str = Field(min_length=1)
    label: str = ""
    keywords: list[str] = Field(default_factory=list)
    doc_ids: list[str] = Field(default_factory=list)
    first_seen: Optional[datetime] = None
    last_seen: Optional[datetime] = None
    size: int = 0
    growth: float = 0.0
    category: Optional[Category] = None
    streets: list[str] = Field(default_factory=list)
    sentiment: dict[str, float] = Field(default_factory=dict)

    _aware_times = field_validator("first_seen", "last_seen")(
        lambda v: aware(v) if isinstance(v, datetime) else v)


# --- alert ----------------------------------------------------------------------------------------

class AlertChange(BaseModel):
    """One entry of an alert's history: who, when, from, to, note."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")
    who: str
    when: datetime
    from_state: Optional[AlertState] = Field(default=None, alias="from")
    to_state: AlertState = Field(alias="to")
    note: str = ""

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:  # keep the contract's keys
        kwargs.setdefault("by_alias", True)
        return super().model_dump(**kwargs)


class SimilarCase(BaseModel):
    case_id: str
    score: float


class Alert(Record):
    id: str = Field(min_length=1)
    rule: str
    severity: Severity
    title: str
    summary: str = ""
    incident_id: Optional[str] = None
    doc_ids: list[str] = Field(default_factory=list)
    street: Optional[str] = None
    category: Optional[Category] = None
    created_at: datetime
    state: AlertState = "new"
    assignee: Optional[str] = None
    calendar: list[str] = Field(default_factory=list)
    similar_cases: list[SimilarCase] = Field(default_factory=list)
    history: list[AlertChange] = Field(default_factory=list)

    _aware_times = field_validator("created_at")(lambda v: aware(v))

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("by_alias", True)
        return super().model_dump(**kwargs)


# --- case (case library; the contract names it, the calendar/case issue defines it) ---------------

class Case(Record):
    """A past incident in the case library (案例库)."""

    id: str = Field(min_length=1)
    title: str
    summary: str = ""
    start: Optional[str] = None          # ISO date; may be partial ("2021-07")
    end: Optional[str] = None
    province: Optional[str] = None
    city: Optional[str] = None
    district: Optional[str] = None
    street: Optional[str] = None
    categories: list[Category] = Field(default_factory=list)
    trigger: str = ""
    timeline: list[dict[str, Any]] = Field(default_factory=list)
    actors: list[str] = Field(default_factory=list)
    measures: list[str] = Field(default_factory=list)
    outcome: str = ""
    lessons: list[str] = Field(default_factory=list)
    risk_types: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    uncertain: list[str] = Field(default_factory=list)  # details marked as not sure


# --- helpers --------------------------------------------------------------------------------------

R = TypeVar("R", bound=BaseModel)


def describe_validation_error(error: ValidationError) -> str:
    """``field 'a.b': message; field 'c': message`` from a pydantic error."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(record)"
        parts.append(f"field '{where}': {item['msg']}")
    return "; ".join(parts)


def parse_record(model: type[R], data: Any, *, where: str = "") -> R:
    """Validate ``data`` as ``model``; raise :class:`RecordError` naming the bad field(s).

    Args:
        model: the record class.
        data: a dict (or a JSON string).
        where: the location for the message, such as ``docs.jsonl line 12``.
    """
    try:
        if isinstance(data, (str, bytes)):
            return model.model_validate_json(data)
        return model.model_validate(data)
    except ValidationError as exc:
        prefix = f"{where}: " if where else ""
        raise RecordError(f"{prefix}{describe_validation_error(exc)}") from None


def severity_rank(severity: str) -> int:
    """0 for red (most severe) … 3 for blue."""
    return SEVERITIES.index(severity)
