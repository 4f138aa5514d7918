"""A report's JSON as HTML and PDF (the shared :mod:`rendering` stack) and as .docx (python-docx).

All three show the same headings in the same order, each paragraph followed by the ids it cites in
brackets (the first :data:`SHOWN_CITATIONS`; the JSON keeps them all), and the same tables. Charts
(SVG, :mod:`rendering.charts`) are in the HTML and PDF only; their numbers are in the tables.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from briefings.facts import CATEGORY_NAMES, SEVERITY_NAMES
from rendering import charts
from rendering.html import render as render_template
from yuqing.records import SEVERITIES

TEMPLATES = Path(__file__).with_name("templates")
SHOWN_CITATIONS = 5
BASIS_NAMES = {"overview": "总体数据", "street_table": "各街道情况表", "calendar": "风险日历", "overdue": "预警时限",
               "spread": "来源分布", "cases": "案例库"}
#: where each figure is shown: the heading of its section
FIGURE_PLACES = {"overview": "总体情况", "volume_by_day": ("总体情况", "时间线"), "street_table": "各街道情况",
                 "alerts_by_street": "各街道情况", "spread": "传播情况", "sentiment_by_group": "各方情绪"}


def blocks(report: dict[str, Any], with_charts: bool = True) -> list[dict[str, Any]]:
    """The sections as the templates and the .docx writer show them: paragraphs, tables, charts."""
    figures = {f["name"]: f for f in report.get("figures", [])}
    out = []
    for sec in report["sections"]:
        block = {"heading": sec["heading"], "paragraphs": [], "tables": [], "charts": []}
        for par in sec["paragraphs"]:
            cites = par.get("citations", [])
            block["paragraphs"].append({
                "text": par["text"], "cites": cites[:SHOWN_CITATIONS],
                "more": len(cites) if len(cites) > SHOWN_CITATIONS else 0, "quote": bool(par.get("quote")),
                "basis": BASIS_NAMES.get(par.get("basis", ""), par.get("basis", ""))})
        for name, figure in figures.items():
            places = FIGURE_PLACES.get(name, ())
            if sec["heading"] not in (places if isinstance(places, tuple) else (places,)):
                continue
            table = _table(name, figure)
            if table:
                block["tables"].append(table)
            if with_charts:
                chart = _chart(name, figure)
                if chart is not None:
                    block["charts"].append({"title": figure.get("title", name), "svg": chart})
        out.append(block)
    return out


def _table(name: str, figure: dict) -> dict | None:
    data = figure["data"]
    if name == "overview":
        alerts = data["alerts"]
        rows = [["信息总量", data["documents"]], ["已分析", data["analysed"]], ["负面信息", data["negative"]],
                ["负面占比", _share(data["negative_share"])], ["新发事件", data["new_incidents"]],
                ["涉及事件", data["active_incidents"]], ["预警总数", alerts["total"]]]
        rows += [[f"其中{SEVERITY_NAMES[s]}", alerts[s]] for s in SEVERITIES]
        rows += [["求助信息", data["requests_for_help"]], ["疑似有害信息", data["harmful"]]]
        rows += [[f"类别：{CATEGORY_NAMES.get(c, c)}", n] for c, n in data["categories"].items()]
        return {"title": figure["title"], "header": ["项目", "数量"], "rows": rows}
    if name == "street_table":
        rows = [[r["street"], r["documents"], r["negative"], _share(r["negative_share"]), r["alerts"], r["incidents"],
                 r["requests_for_help"]] for r in data]
        return {"title": figure["title"], "header": ["街道", "信息量", "负面", "负面占比", "预警", "事件", "求助"],
                "rows": rows} if rows else None
    if name == "spread":
        rows = [[k, v] for k, v in data["sources"].items()][:10]
        return {"title": figure["title"], "header": ["来源", "信息量"], "rows": rows} if rows else None
    if name == "sentiment_by_group":
        rows = [[g, c["negative"], c["neutral"], c["positive"]] for g, c in data.items()]
        return {"title": figure["title"], "header": ["发声方", "负面", "中性", "正面"], "rows": rows} if rows else None
    return None


def _chart(name: str, figure: dict):
    data = figure["data"]
    if name == "volume_by_day" and len(data["days"]) > 1:
        series = {"信息量": data["documents"]}
        if "negative" in data:
            series["负面"] = data["negative"]
        return charts.line_chart([d[5:] for d in data["days"]], series, title=figure["title"])
    if name == "alerts_by_street" and data["streets"]:
        return charts.stacked_bars(data["streets"], {SEVERITY_NAMES[s][:2]: data[s] for s in SEVERITIES},
                                   title=figure["title"])
    if name == "sentiment_by_group" and data:
        groups = list(data)
        return charts.stacked_bars(groups, {"负面": [data[g]["negative"] for g in groups],
                                            "中性": [data[g]["neutral"] for g in groups],
                                            "正面": [data[g]["positive"] for g in groups]}, title=figure["title"])
    return None


def _share(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def to_html(report: dict[str, Any]) -> str:
    """The whole report as one HTML page (stylesheet and charts inline)."""
    return render_template("briefing.html", {
        "title": report["title"], "subtitle": report.get("subtitle", ""), "generated_at": report.get("generated_at", ""),
        "blocks": blocks(report), "report_id": report.get("id", "")}, template_dirs=[TEMPLATES])


def to_pdf(report: dict[str, Any], output: Path | str) -> Path:
    """The PDF of :func:`to_html` (Chinese in the embedded Noto CJK fonts)."""
    import logging

    from rendering.pdf import html_to_pdf

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # seven "Step n" lines per PDF otherwise
    return html_to_pdf(to_html(report), output)


def to_docx(report: dict[str, Any], output: Path | str) -> Path:
    """An editable Word/WPS document: the same headings, paragraphs with bracketed ids, the same tables."""
    from docx import Document
    from docx.oxml.ns import qn

    document = Document()
    for style_name in ("Normal", "Title", "Heading 1"):
        style = document.styles[style_name]
        style.font.name = "SimSun"
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    document.add_heading(report["title"], level=0)
    if report.get("subtitle"):
        document.add_paragraph(report["subtitle"])
    for block in blocks(report, with_charts=False):
        document.add_heading(block["heading"], level=1)
        for par in block["paragraphs"]:
            text = par["text"]
            if par["cites"]:
                text += " " + "".join(f"[{c}]" for c in par["cites"]) + (f" 等共 {par['more']} 项" if par["more"] else "")
            elif par["basis"]:
                text += f" [见{par['basis']}]"
            document.add_paragraph(text, style="Quote" if par["quote"] else None)
        for table in block["tables"]:
            document.add_paragraph(table["title"])
            grid = document.add_table(rows=1, cols=len(table["header"]))
            grid.style = "Table Grid"
            for cell, value in zip(grid.rows[0].cells, table["header"]):
                cell.text = str(value)
            for row in table["rows"]:
                for cell, value in zip(grid.add_row().cells, row):
                    cell.text = str(value)
    document.add_paragraph(f"报告编号 {report.get('id', '')}；生成于 {report.get('generated_at', '')}。"
                           "方括号内为所依据的帖子、预警或案例编号；个人信息已遮盖。")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(output))
    return output


def write(report: dict[str, Any], output: Path | str) -> Path:
    """Write the report in the format its file name says: .html, .pdf or .docx."""
    from yuqing.errors import InputError

    output = Path(output)
    suffix = output.suffix.lower()
    if suffix in (".html", ".htm"):
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(to_html(report), encoding="utf-8")
        return output
    if suffix == ".pdf":
        return to_pdf(report, output)
    if suffix == ".docx":
        return to_docx(report, output)
    raise InputError(f"--output {output}: write the report as .html, .pdf or .docx (or use --format json)")
