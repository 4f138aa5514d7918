"""Record kinds of enterprise risk, registered with the store at import.

* ``enterprises``: one per enterprise (企业), id = its unified social credit code (统一社会信用代码),
  or ``name:<full name>`` when a street's export has no code.
* ``enterprise_indicators``: one per enterprise and month (``YYYY-MM``), id ``<enterprise>|<month>``.
* ``enterprise_links``: a post or ticket that names an enterprise, id ``<doc id>|<enterprise>``.
* ``enterprise_scores``: one per enterprise, month and risk, id ``<enterprise>|<month>|<risk>``,
  with the signals that make up the score.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from pydantic import Field

from yuqing.records import Record
from yuqing.storage.base import Kind, register_kind


class Enterprise(Record):
    """An enterprise (企业): code, full name, former names and aliases (曾用名、简称), street, industry."""

    id: str
    code: Optional[str] = None
    name: str
    names: list[str] = Field(default_factory=list)  # every name it was known by, the current one first
    aliases: list[str] = Field(default_factory=list)
    street: Optional[str] = None
    industry: Optional[str] = None
    address: Optional[str] = None
    name_periods: dict[str, str] = Field(default_factory=dict)  # name → latest month it was reported under
    updated_at: Optional[datetime] = None


class IndicatorMonth(Record):
    """One month of one enterprise's indicators; a value a street did not send is ``None``."""

    id: str
    enterprise: str
    period: str  # YYYY-MM
    street: Optional[str] = None
    headcount: Optional[float] = None  # 参保人数
    contributions_paid: Optional[float] = None  # 社保实缴 (yuan)
    contributions_owed: Optional[float] = None  # 社保欠缴 (yuan)
    power_kwh: Optional[float] = None  # 用电量
    water_m3: Optional[float] = None  # 用水量
    tickets: Optional[float] = None  # 12345 工单
    inspections: Optional[float] = None  # 劳动监察案件
    source_file: Optional[str] = None


class EnterpriseLink(Record):
    """A document (post or 12345 ticket) that names an enterprise, and the evidence for the link."""

    id: str
    doc_id: str
    enterprise: str
    month: str
    published_at: datetime
    source_type: Optional[str] = None
    via: list[str] = Field(default_factory=list)  # e.g. ["全称 深圳市鑫达电子有限公司"], ["简称 鑫达电子", "街道 民治街道"]
    sentiment: Optional[str] = None
    terms: dict[str, list[str]] = Field(default_factory=dict)  # signal group → words found in the text


class Signal(Record):
    """One reason behind a score: what was seen, its value and the points it gave."""

    source: str  # indicators | opinion | calendar
    name: str
    points: float
    why: str
    value: Optional[float] = None
    doc_ids: list[str] = Field(default_factory=list)


class RiskScore(Record):
    """The score of one risk for one enterprise and month (0-100) and its signals."""

    id: str
    enterprise: str
    name: str
    street: Optional[str] = None
    month: str
    risk: str  # wage_arrears | shutdown | relocation
    score: float
    warning: bool
    threshold: float
    signals: list[Signal] = Field(default_factory=list)
    scored_at: datetime


ENTERPRISES = register_kind(Kind("enterprises", Enterprise, fields=("code", "names", "street", "industry"),
                                 text_fields=("names", "aliases", "address")))
INDICATORS = register_kind(Kind("enterprise_indicators", IndicatorMonth, fields=("enterprise", "period", "street")))
LINKS = register_kind(Kind("enterprise_links", EnterpriseLink,
                           fields=("doc_id", "enterprise", "month", "source_type", "published_at"),
                           time_field="published_at"))
SCORES = register_kind(Kind("enterprise_scores", RiskScore,
                            fields=("enterprise", "month", "risk", "score", "street", "warning", "scored_at"),
                            time_field="scored_at"))


def month_of(when: datetime) -> str:
    """``YYYY-MM`` of a time, in Asia/Shanghai."""
    from yuqing.records import DEFAULT_TZ

    local = when.astimezone(DEFAULT_TZ) if when.tzinfo else when
    return f"{local.year:04d}-{local.month:02d}"


def shift_month(month: str, delta: int) -> str:
    """``shift_month("2026-01", -2) == "2025-11"``."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
