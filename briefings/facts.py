"""The building blocks of every report: cited paragraphs, masked quotes, the alert's trail in words.

Nothing here writes a fact of its own: a paragraph is a template filled with values read from the
store (counts, labels, times, states) or a quotation of a post, and it carries the ids of what it
stands on. Reports leave the service, so every text goes through :class:`Masker` (phones, ID and
card numbers, and the home addresses the analyses extracted from the posts involved).
"""
from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any, Iterable, Optional, Sequence

from yuqing import privacy
from yuqing.records import DEFAULT_TZ, Alert, Analysis, Document, Incident
# The pages' words (the other report modules read them from here); the report's own phrasing only
# where prose reads better (harm, source types, below).
from yuqing.vocabulary import (CATEGORIES as CATEGORY_NAMES, INCIDENT_STATES,  # noqa: F401
                               SENTIMENTS as SENTIMENT_NAMES, SEVERITY_LEVELS as SEVERITY_NAMES, STATES as STATE_NAMES)

HARMFUL_NAMES = {"rumor": "不实信息（谣言）", "fraud": "诈骗（虚假募捐、冒充救援）", "incitement": "煽动聚集、对立",
                 "privacy_leak": "泄露他人隐私"}
SOURCE_TYPE_NAMES = {"news": "新闻媒体", "forum": "论坛网友", "social": "社交媒体", "rss": "订阅源",
                     "hotline": "热线来电", "import": "导入材料", None: "来源未注明"}
#: the prefix the rescue rule gives a request-for-help alert's title; the rest is the home address
RESCUE_TITLE_PREFIX = "求助："

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")


def paragraph(text: str, citations: Iterable[str] = (), **extra: Any) -> dict[str, Any]:
    """One paragraph of the report JSON: its text and the ids it stands on (no duplicates, in order)."""
    return {"text": text, "citations": list(dict.fromkeys(c for c in citations if c)), **extra}


def section(heading: str, paragraphs: list[dict], **extra: Any) -> dict[str, Any]:
    return {"heading": heading, "paragraphs": paragraphs, **extra}


def when(value: Optional[datetime], with_year: bool = False) -> str:
    """``11月30日 08:15`` in the engine's zone."""
    if value is None:
        return "时间不详"
    local = value.astimezone(DEFAULT_TZ)
    return (f"{local.year}年" if with_year else "") + f"{local.month}月{local.day}日 {local:%H:%M}"


def pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "—"


class Masker:
    """Masks personal data in report text; knows the home addresses of the posts it was told about."""

    def __init__(self, addresses: Iterable[str] = ()) -> None:
        self.addresses = tuple(dict.fromkeys(a for a in addresses if a))

    @classmethod
    def for_analyses(cls, analyses: Iterable[Optional[Analysis]]) -> "Masker":
        return cls(a.rescue.address for a in analyses if a is not None and a.rescue is not None and a.rescue.address)

    def learn(self, analyses: Iterable[Optional[Analysis]]) -> None:
        more = [a.rescue.address for a in analyses if a is not None and a.rescue is not None and a.rescue.address]
        self.addresses = tuple(dict.fromkeys(self.addresses + tuple(more)))

    def text(self, text: Optional[str]) -> str:
        return privacy.redact(text or "", self.addresses)

    def alert_title(self, alert: Alert) -> str:
        """A rescue alert's title is built from the home address: only its street is kept."""
        title = alert.title or ""
        if title.startswith(RESCUE_TITLE_PREFIX):
            rest = title[len(RESCUE_TITLE_PREFIX):].rstrip("…")
            masked = privacy.mask_address(rest)
            if masked == privacy.ADDRESS_MASK and alert.street:
                masked = alert.street + privacy.ADDRESS_MASK
            title = RESCUE_TITLE_PREFIX + masked
        return self.text(title)

    def report(self, value: Any) -> Any:
        """The whole report JSON once more through the mask (ids left as they are)."""
        return privacy.redact(value, self.addresses)


def excerpt(doc: Document, limit: int = 90) -> str:
    """The opening sentences of a post, up to ``limit`` characters (the title if the text is empty)."""
    text = " ".join((doc.text or doc.title or "").split())
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in _SENTENCE_END.split(text):
        if len(kept) + len(sentence) > limit:
            break
        kept += sentence
    return kept or text[:limit] + "…"


def representative(docs: Sequence[Document], analyses: dict[str, Analysis], keywords: Sequence[str],
                   count: int) -> list[Document]:
    """The posts that best stand for an incident: most of its keywords, then most engagement.

    Posts flagged as harmful (rumour, fraud, incitement, privacy leak) are never quoted as what
    happened; neither are two posts with the same opening (reposts).
    """
    def score(doc: Document) -> tuple:
        text = f"{doc.title or ''} {doc.text}"
        hits = sum(1 for k in keywords if k and k in text)
        metrics = doc.metrics
        engagement = math.log1p(metrics.reposts + metrics.comments + metrics.likes)
        return (-(hits + 0.5 * engagement), doc.published_at, doc.id)

    chosen, openings = [], set()
    for doc in sorted(docs, key=score):
        analysis = analyses.get(doc.id)
        if analysis is not None and analysis.harmful is not None and analysis.harmful.types:
            continue
        opening = excerpt(doc, 30)
        if opening in openings:
            continue
        openings.add(opening)
        chosen.append(doc)
        if len(chosen) >= count:
            break
    return chosen


def quote_paragraph(doc: Document, masker: Masker, lead: str = "") -> dict[str, Any]:
    source = SOURCE_TYPE_NAMES.get(doc.source_type, doc.source_type or "来源未注明")
    where = f"（{masker.text(doc.source)}）" if doc.source else ""
    return paragraph(f"{lead}{when(doc.published_at)}，{source}{where}发帖：“{masker.text(excerpt(doc))}”",
                     [doc.id], quote=True)


def trail_sentence(alert: Alert, masker: Masker) -> str:
    """The alert's history in words: who did what when, and where it stands."""
    steps = []
    for change in alert.history:
        who = "系统" if change.who == "system" else masker.text(change.who)
        if change.from_state is None:
            action = "生成预警"
        elif change.from_state == change.to_state:
            action = masker.text(change.note) or "更新"
        else:
            action = f"{STATE_NAMES.get(change.from_state, change.from_state)}→{STATE_NAMES.get(change.to_state, change.to_state)}"
            if change.note:
                action += f"（{masker.text(change.note)}）"
        steps.append(f"{when(change.when)} {who}{action}")
    state = STATE_NAMES.get(alert.state, alert.state)
    owner = f"，责任人 {masker.text(alert.assignee)}" if alert.assignee else ""
    head = f"{SEVERITY_NAMES.get(alert.severity, alert.severity)}预警“{masker.alert_title(alert)}”"
    return head + (f"：{'；'.join(steps)}" if steps else "") + f"。当前状态：{state}{owner}。"


def incident_streets(incident: Incident) -> str:
    return "、".join(incident.streets) if incident.streets else "未定位到街道"


def share_text(mix: dict[str, float]) -> str:
    parts = [f"{SENTIMENT_NAMES[k]} {mix.get(k, 0.0) * 100:.0f}%" for k in ("negative", "neutral", "positive")
             if k in mix]
    return "、".join(parts) if parts else "无情感分析结果"
