"""The assessment report (稳评报告) in HTML and PDF, through the shared :mod:`rendering` package.

``render_html(assessment) -> str`` and ``write_pdf(assessment, path)``; the web UI's assessment page
shows ``render_body(assessment)``: the same template (``_report_body.html``) the report prints.
Every figure is printed beside its chart, every statement about opinion cites its posts
(``#doc-<id>`` anchors in the appendix, which links each post's URL), quotes are masked.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from assessment.model import Assessment
from rendering import charts
from rendering.html import environment, render

TEMPLATES = Path(__file__).parent / "templates"
LEVEL_NAMES = {"high": "高风险", "medium": "中风险", "low": "低风险"}
#: the report's sentiment colours: opposition red, hesitation grey, support green
SENTIMENT_COLOURS = {"负面": "#c0392b", "中性": "#95a5a6", "正面": "#27ae60", "未分析": "#d5dbdb"}
SENTIMENT_NAMES = {"negative": "负面", "neutral": "中性", "positive": "正面", "unknown": "未分析", None: "未分析"}


def _charts(a: Assessment) -> dict[str, Any]:
    t = a.timeline
    out: dict[str, Any] = {"stance": None, "volume": None}
    if not t["periods"]:
        return out
    labels = t["periods"] if t["by"] == "month" else [p[5:] for p in t["periods"]]  # 2026-08-31 → 08-31
    volume = {SENTIMENT_NAMES[s]: v for s, v in t["volume"].items() if any(v)}
    out["volume"] = charts.stacked_bars(labels, volume, title="证据量（按情感，每" + ("月" if t["by"] == "month" else "周") + "）",
                                        colours=SENTIMENT_COLOURS)
    if t["support"]:
        # a period without posts of a group repeats the last known share, so lines do not drop to 0
        series = {}
        for group, values in t["support"].items():
            last, filled = 0, []
            for v in values:
                last = last if v is None else v
                filled.append(last)
            series[group] = filled
        out["stance"] = charts.line_chart(labels, series, title="各群体支持占比（%）")
    return out


def _cited(a: Assessment) -> list[Any]:
    """Every post the report refers to, once, for the appendix (id, time, source, link, masked quote)."""
    return sorted(a.cited_posts.values(), key=lambda c: (c.published_at, c.doc_id))


def context(a: Assessment) -> dict[str, Any]:
    cited = _cited(a)
    return {"title": f"{a.project} 社会稳定风险评估报告", "subtitle": f"评估时间 {a.assessed_at}",
            "generated_at": a.assessed_at, "a": a, "card": a.card, "levels": LEVEL_NAMES,
            "sentiments": SENTIMENT_NAMES, "charts": _charts(a), "cited": cited,
            "cited_ids": {c.doc_id for c in cited}}


def render_html(assessment: Assessment) -> str:
    """The whole report as one HTML page (stylesheet inlined, charts as inline SVG)."""
    return render("assessment_report.html", context(assessment), env=_env())


def render_body(assessment: Assessment) -> Markup:
    """The report's content without its page (title, stylesheet, footer), for the web UI's assessment page."""
    return Markup(_env().get_template("_report_body.html").render(**context(assessment)))


def write_html(assessment: Assessment, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(assessment), encoding="utf-8")
    return path


def write_pdf(assessment: Assessment, path: Path | str) -> Path:
    """The report as PDF (Noto CJK embedded); raises :class:`rendering.pdf.FontMissing` without CJK fonts."""
    from rendering.pdf import html_to_pdf
    return html_to_pdf(render_html(assessment), path)


_ENV = None


def _env():
    global _ENV
    if _ENV is None:
        _ENV = environment([TEMPLATES])
    return _ENV
