"""A project card from the web UI's form (项目卡表单): flat fields and a few lines of text.

The form has one field per card field (``street`` is ``location.street``, ``merchants`` is
``scale.merchants``, ``homes_m`` is ``distances.homes_m``); word lists (``stakeholders``,
``keywords``, ``place_words``) are separated by 、 , or spaces; ``timeline`` has one milestone a line
(``清场 2027-02-01`` or ``夜间施工 2027-06-01 2027-06-30``); ``procedures`` one procedure a line
(``听证会：否``; 是/否/未知). Empty fields are left out, so the card's own defaults and checks
apply. Errors are the card's (:mod:`assessment.card`: ``field 'timeline.0.date': …``), all at once;
:func:`form_field` says which form field an error is about.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from assessment.card import CardError, ProjectCard, parse_card

TEXT_FIELDS = ("id", "name", "type", "summary", "owner", "compensation")
LOCATION = ("city", "district", "street", "community", "address")
SCALE = ("households", "merchants", "residents_nearby", "area_m2", "budget_wan")
DISTANCES = ("homes_m", "schools_m", "hospitals_m")
WORD_LISTS = ("stakeholders", "keywords", "place_words")
ANSWERS = {"是": True, "有": True, "已": True, "已完成": True, "true": True, "yes": True,
           "否": False, "无": False, "没有": False, "未": False, "false": False, "no": False,
           "未知": None, "不清楚": None, "?": None, "？": None, "null": None, "unknown": None}
_WORDS = re.compile(r"[,，、;；\s]+")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _date(token: str) -> Optional[str]:
    m = _DATE.match(token)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def timeline(text: str) -> list[dict[str, Any]]:
    """``清场 2027-02-01`` lines → milestones (a line without a date stays, for the card to report)."""
    items = []
    for line in (text or "").splitlines():
        tokens = line.split()
        if not tokens:
            continue
        dates = []
        while tokens and len(dates) < 2 and re.match(r"^\d{4}\D", tokens[-1]):  # a date, or what was meant as one
            token = tokens.pop()
            dates.insert(0, _date(token) or token)
        item: dict[str, Any] = {"milestone": " ".join(tokens)}
        if dates:
            item["date"] = dates[0]
        if len(dates) > 1:
            item["end"] = dates[1]
        items.append(item)
    return items


def procedures(text: str, errors: list[str]) -> dict[str, Optional[bool]]:
    """``听证会：否`` lines → ``{听证会: False}``; an answer that is not 是/否/未知 is an error."""
    out: dict[str, Optional[bool]] = {}
    for line in (text or "").splitlines():
        parts = [p for p in re.split(r"[:：=\s]+", line.strip()) if p]
        if not parts:
            continue
        name, answer = parts[0], (parts[1] if len(parts) > 1 else "未知")
        if answer.lower() not in ANSWERS:
            errors.append(f"field 'procedures.{name}': write 是, 否 or 未知 (true, false or unknown), not {answer!r}")
            continue
        out[name] = ANSWERS[answer.lower()]
    return out


def card_data(form: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The card's data from the form's fields, and the errors found before the card's own checks."""
    def given(name: str) -> Optional[str]:
        value = str(form.get(name) or "").strip()
        return value or None

    errors: list[str] = []
    data: dict[str, Any] = {k: given(k) for k in TEXT_FIELDS if given(k) is not None}
    for part, names in (("location", LOCATION), ("scale", SCALE), ("distances", DISTANCES)):
        values = {k: given(k) for k in names if given(k) is not None}
        if values:
            data[part] = values
    for name in WORD_LISTS:
        if given(name):
            data[name] = [w for w in _WORDS.split(given(name) or "") if w]
    if given("timeline"):
        data["timeline"] = timeline(given("timeline") or "")
    if given("procedures"):
        data["procedures"] = procedures(given("procedures") or "", errors)
    if str(form.get("night_work") or "") in ("on", "1", "true", "是"):
        data["night_work"] = True
    return data, errors


def card_from_form(form: Mapping[str, str]) -> ProjectCard:
    """The card the form describes; :class:`CardError` lists every bad field (``项目表单: field 'x': …``)."""
    data, errors = card_data(form)
    try:
        card = parse_card(data, "项目表单")
    except CardError as exc:
        raise CardError("项目表单", errors + exc.errors) from None
    if errors:
        raise CardError("项目表单", errors)
    return card


def form_field(error: str) -> Optional[str]:
    """The form field an error sentence is about (``field 'location.street': …`` → ``street``)."""
    m = re.search(r"field '([^']+)'", error)
    if not m:
        return None
    parts = m.group(1).split(".")
    if parts[0] in ("location", "scale", "distances") and len(parts) > 1:
        return parts[1]
    return parts[0]


def form_values(card: ProjectCard) -> dict[str, str]:
    """A card as the form's fields (to edit a stored project)."""
    values = {k: str(getattr(card, k) or "") for k in TEXT_FIELDS}
    values.update({k: str(getattr(card.location, k) or "") for k in LOCATION})
    values.update({k: (f"{getattr(card.scale, k):g}" if getattr(card.scale, k) else "") for k in SCALE})
    values.update({k: (f"{getattr(card.distances, k):g}" if getattr(card.distances, k) is not None else "")
                   for k in DISTANCES})
    values.update({k: "、".join(getattr(card, k)) for k in WORD_LISTS})
    values["timeline"] = "\n".join(f"{m.milestone} {m.date.isoformat()}" + (f" {m.end.isoformat()}" if m.end else "")
                                   for m in card.timeline)
    answer = {True: "是", False: "否", None: "未知"}
    values["procedures"] = "\n".join(f"{k}：{answer[v]}" for k, v in card.procedures.items())
    values["night_work"] = "on" if card.night_work else ""
    return values
