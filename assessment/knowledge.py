"""The knowledge base (知识库): categories, project kinds, procedures and factors, read from YAML.

The shipped files are in ``assessment/knowledge/``; a consultant extends them with files named in
``assess.knowledge_files``: each may hold any of the shipped sections, and an item with the id (or
``name``) of a shipped one replaces it, a new id is added. Everything is validated at load, so a
typo in a weight or a category is reported with the file and the item, never silently ignored.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from yuqing.config import read_yaml
from yuqing.errors import ConfigError
from yuqing.records import describe_validation_error

HERE = Path(__file__).parent / "knowledge"
SHIPPED = ("categories.yaml", "procedures.yaml", "kinds.yaml", "factors.yaml")

#: The six categories of the contract, in its order (政策法律、征迁补偿、社会稳定、安全卫生、生态环境、舆情).
CATEGORY_IDS = ("policy_legal", "expropriation_compensation", "social_stability", "safety_health",
                "ecology_environment", "public_opinion")
LEVELS = ("low", "medium", "high")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _known(value: str) -> str:
    if value not in CATEGORY_IDS:
        raise ValueError(f"unknown category {value!r}; one of {', '.join(CATEGORY_IDS)}")
    return value


class Levels(_Strict):
    high: float
    medium: float
    meaning: dict[str, str]

    def level(self, score: float) -> str:
        return "high" if score >= self.high else "medium" if score >= self.medium else "low"


class Overall(_Strict):
    max_weight: float = Field(ge=0, le=1)
    why: str
    high_categories_for_high: int = 2
    high_categories_for_medium: int = 1


class Category(_Strict):
    id: str
    label: str
    words: list[str] = []
    all_posts: bool = False
    analysis_categories: list[str] = []
    owner: str
    trigger: str
    timing: str
    actions: list[str]

    _check = field_validator("id")(lambda cls, v: _known(v))


class Procedure(_Strict):
    id: str
    aliases: list[str] = []
    points: int
    also: dict[str, int] = {}
    why: str

    @field_validator("also")
    @classmethod
    def _categories(cls, value: dict[str, int]) -> dict[str, int]:
        for key in value:
            _known(key)
        return value


class PlanningCheck(_Strict):
    field: str
    min: float
    category: str
    points: int
    unknown_points: int = 0
    why: str

    _check = field_validator("category")(lambda cls, v: _known(v))


class Kind(_Strict):
    id: str
    label: str
    words: list[str] = []
    tags: list[str] = []
    base: dict[str, tuple[int, str]]
    procedures: list[str] = []
    planning: list[PlanningCheck] = []
    evidence_words: list[str] = []
    case_categories: list[str] = []

    @field_validator("base")
    @classmethod
    def _six(cls, value: dict) -> dict:
        missing = [c for c in CATEGORY_IDS if c not in value]
        if missing:
            raise ValueError(f"base needs all six categories; missing {', '.join(missing)}")
        for key in value:
            _known(key)
        return value


class Band(_Strict):
    at_least: Optional[float] = None
    at_most: Optional[float] = None
    points: int


class CardFactor(_Strict):
    id: str
    field: str
    category: str
    tags: list[str] = []
    bands: list[Band] = []
    equals: Any = None
    empty: Optional[bool] = None
    points: int = 0
    why: str

    _check = field_validator("category")(lambda cls, v: _known(v))


class Milestone(_Strict):
    id: str
    label: str
    words: list[str]
    windows: dict[str, list[str]]
    category: str
    points: int
    cap: int
    why: str
    action: str

    _check = field_validator("category")(lambda cls, v: _known(v))


class Group(_Strict):
    name: str
    words: list[str]
    source_types: list[str] = []


class Knowledge(_Strict):
    """The whole knowledge base, validated."""

    levels: Levels
    overall: Overall
    monitoring: dict[str, str]
    categories: list[Category]
    unknown_share: float = Field(ge=0, le=1)
    procedures: list[Procedure]
    kinds: list[Kind]
    card: list[CardFactor]
    necessity_words: list[str]
    compensation: dict[str, dict[str, Any]]
    evidence: dict[str, Any]
    milestones: list[Milestone]
    groups: list[Group]

    def category(self, category_id: str) -> Category:
        return next(c for c in self.categories if c.id == category_id)

    def procedure(self, procedure_id: str) -> Optional[Procedure]:
        return next((p for p in self.procedures if p.id == procedure_id), None)

    def kind(self, kind_id: str) -> Kind:
        return next(k for k in self.kinds if k.id == kind_id)


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    """Lists of items merge by ``id`` (or ``name``); other values replace."""
    for key, value in extra.items():
        if isinstance(value, list) and isinstance(into.get(key), list):
            index = {(i.get("id") or i.get("name")): n for n, i in enumerate(into[key]) if isinstance(i, dict)}
            for item in value:
                ident = item.get("id") or item.get("name") if isinstance(item, dict) else None
                if ident in index:
                    into[key][index[ident]] = item
                else:
                    into[key].append(item)
        else:
            into[key] = value


def _read(path: Path) -> dict[str, Any]:
    data = read_yaml(path, missing="fix assess.knowledge_files") or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a knowledge file is a mapping of sections (levels, kinds, …)")
    return data


def load_knowledge(extra_files: Iterable[Path | str] = ()) -> Knowledge:
    """The shipped knowledge base, extended by ``extra_files``; :class:`ConfigError` names a bad item."""
    data: dict[str, Any] = {}
    files = [HERE / name for name in SHIPPED] + [Path(p) for p in extra_files]
    for path in files:
        _merge(data, _read(path))
    try:
        knowledge = Knowledge.model_validate(data)
    except ValidationError as exc:
        names = ", ".join(str(p) for p in files)
        raise ConfigError(f"knowledge base ({names}): {describe_validation_error(exc)}") from None
    if [c.id for c in knowledge.categories] != list(CATEGORY_IDS):
        raise ConfigError("knowledge base: categories must be the six of the contract, in its order: "
                          + ", ".join(CATEGORY_IDS))
    known = {p.id for p in knowledge.procedures}
    for kind in knowledge.kinds:
        unknown = [p for p in kind.procedures if p not in known]
        if unknown:
            raise ConfigError(f"knowledge base: kind {kind.id!r} expects unknown procedures {unknown}")
    return knowledge
