"""The project card (项目卡): what ``yuqing assess`` reads, in YAML or JSON (CONTRACT.md ``project``).

Only ``name`` and ``summary`` are required. Besides the contract's fields a card may give
``distances`` (metres from the site to the nearest homes, schools, hospitals), ``night_work``,
``place_words`` (other names of the place, used to find posts) and ``id`` (the project's short name
in the store, the web UI's addresses and a project owner's ``web.users`` entry; by default one made
from the name, :func:`project_id`). A field the card does not know is
an error, so a misspelt ``procedure:`` cannot silently switch off the procedure check.

Errors name the file and the field: ``p.yaml: field 'timeline.1.date': …``; :func:`load_card`
collects all of them before raising :class:`CardError`.
"""
from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from yuqing.errors import InputError


class _CardLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay text for the card's own validation, so
    ``2027-13-01`` is reported with its field instead of failing inside the YAML parser."""


_CardLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class CardError(InputError):
    """A project card with errors; ``errors`` lists one sentence per bad field."""

    def __init__(self, path: str, errors: list[str]) -> None:
        self.path, self.errors = path, errors
        super().__init__("\n".join(f"{path}: {e}" for e in errors))


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Location(_Part):
    province: Optional[str] = None
    city: Optional[str] = None
    district: Optional[str] = None
    street: Optional[str] = None        # 街道, with its suffix: 大浪街道
    community: Optional[str] = None     # 社区
    address: Optional[str] = None


class Scale(_Part):
    households: int = Field(default=0, ge=0)        # 需搬迁住户
    merchants: int = Field(default=0, ge=0)         # 涉及商户
    residents_nearby: int = Field(default=0, ge=0)  # 周边居民
    area_m2: float = Field(default=0, ge=0)
    budget_wan: float = Field(default=0, ge=0)      # 万元


class Distances(_Part):
    homes_m: Optional[float] = Field(default=None, ge=0)
    schools_m: Optional[float] = Field(default=None, ge=0)
    hospitals_m: Optional[float] = Field(default=None, ge=0)


class MilestoneItem(_Part):
    milestone: str = Field(min_length=1)
    date: dt.date
    end: Optional[dt.date] = None

    @property
    def last(self) -> dt.date:
        return max(self.end or self.date, self.date)


#: a project id: letters, digits, ``-``, ``_`` and ``.``, at most 64 (it appears in addresses and config)
PROJECT_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class ProjectCard(_Part):
    name: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    type: str = ""
    location: Location = Field(default_factory=Location)
    owner: str = ""
    scale: Scale = Field(default_factory=Scale)
    stakeholders: list[str] = Field(default_factory=list)
    timeline: list[MilestoneItem] = Field(default_factory=list)
    procedures: dict[str, Optional[bool]] = Field(default_factory=dict)
    compensation: str = ""
    keywords: list[str] = Field(default_factory=list)
    # extensions of the contract's project record
    distances: Distances = Field(default_factory=Distances)
    night_work: bool = False
    place_words: list[str] = Field(default_factory=list)
    id: Optional[str] = Field(default=None, pattern=PROJECT_ID)

    @field_validator("keywords", "place_words", "stakeholders")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        return [w.strip() for w in value if w and w.strip()]

    def value(self, dotted: str) -> Any:
        """The card's value at a dotted path (``scale.households``), ``None`` when not given."""
        current: Any = self
        for part in dotted.split("."):
            current = getattr(current, part, None)
            if current is None:
                return None
        return current

    @property
    def project_id(self) -> str:
        return project_id(self)


def project_id(card: "ProjectCard") -> str:
    """The card's ``id``, else ``p-`` and 10 hex digits of the name's hash: uploading a card with the
    same name again updates the same project."""
    return card.id or "p-" + hashlib.sha1(card.name.strip().encode("utf-8")).hexdigest()[:10]


def _fields_at(path: tuple) -> list[str]:
    """The field names of the card's part at ``path`` (``('location',)``, ``('timeline', 0)``)."""
    model: Any = ProjectCard
    for part in path:
        if isinstance(part, int):
            continue
        annotation = getattr(model, "model_fields", {}).get(str(part))
        annotation = annotation.annotation if annotation else None
        args = getattr(annotation, "__args__", ()) or (annotation,)
        model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if model is None:
            return []
    return list(getattr(model, "model_fields", {}))


def _describe(error: ValidationError, data: Any) -> list[str]:
    out = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(card)"
        if item["type"] == "extra_forbidden":
            parent = item["loc"][:-1]
            known = _fields_at(parent)
            close = difflib.get_close_matches(str(item["loc"][-1]), known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known fields: {', '.join(known)}"
            out.append(f"field '{where}': not a project card field{hint}")
        elif item["type"] == "missing":
            why = " (every card needs a name and a summary)" if where in ("name", "summary") else ""
            out.append(f"field '{where}': required{why}")
        elif item["type"] == "string_pattern_mismatch" and where == "id":
            out.append("field 'id': use letters, digits, '-', '_' or '.' (at most 64), such as langkou-market")
        else:
            out.append(f"field '{where}': {item['msg']}")
    return out


def parse_card(data: Any, where: str = "project card") -> ProjectCard:
    """Validate a card already read; :class:`CardError` lists every bad field."""
    if not isinstance(data, dict):
        raise CardError(where, ["a project card is a mapping of fields (name, summary, location, …)"])
    try:
        return ProjectCard.model_validate(data)
    except ValidationError as exc:
        raise CardError(where, _describe(exc, data)) from None


def load_card(path: Path | str) -> ProjectCard:
    """Read a card from YAML or JSON (by extension; YAML otherwise, which also reads JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CardError(str(path), [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    return card_from_text(text, str(path), json_text=path.suffix.lower() == ".json")


def card_from_text(text: str, where: str = "project card", *, json_text: bool = False) -> ProjectCard:
    """A card from its YAML (or JSON) text, as uploaded to the web UI; errors as :func:`load_card`'s."""
    try:
        data = json.loads(text) if json_text else yaml.load(text, Loader=_CardLoader)  # noqa: S506 (a SafeLoader)
    except json.JSONDecodeError as exc:
        raise CardError(where, [f"line {exc.lineno}: not valid JSON: {exc.msg}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise CardError(where, [f"{line}not valid YAML: {getattr(exc, 'problem', None) or exc}"]) from None
    return parse_card(data, where)
