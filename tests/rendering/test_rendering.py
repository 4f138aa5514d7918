"""The printed-document stack: escaped HTML, PDF with the Chinese text and embedded CJK fonts, SVG charts."""
import subprocess

import pytest

from rendering.charts import line_chart, stacked_bars
from rendering.html import environment
from rendering.pdf import html_to_pdf

HOSTILE = "<script>alert(1)</script>民治街道居民反映积水严重"


def page(**context):
    env = environment()
    template = env.from_string('{% extends "base.html" %}{% block content %}<p>{{ text }}</p>{{ chart }}'
                               '<img src="{{ image }}">{% endblock %}')
    return template.render(**context)


def test_html_escapes_text_and_chart_labels():
    html = page(title="日报 <b>", subtitle="龙华区", text=HOSTILE, image="data:,",
                chart=line_chart(["7-19", "7-20"], {"负面<i>": [1, 5]}, title="走势<svg onload=x>"))
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<svg onload" not in html and "负面&lt;i&gt;" in html and "日报 &lt;b&gt;" in html


def test_pdf_holds_the_chinese_text_with_embedded_fonts(tmp_path):
    chart = stacked_bars(["民治街道", "大浪街道"], {"红色": [1, 0], "橙色": [2, 3]}, title="预警分布")
    out = html_to_pdf(page(title="龙华区舆情日报", subtitle="2021年7月20日", text=HOSTILE, chart=chart,
                           image="data:,"), tmp_path / "r.pdf")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "龙华区舆情日报" in text and "民治街道居民反映积水严重" in text and "<script>alert(1)</script>" in text
    assert "预警分布" in text and "大浪街道" in text  # the SVG chart's labels are text in the PDF
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes yes yes " in line for line in cjk), fonts  # embedded, subset, unicode map


def test_pdf_never_fetches_a_resource(tmp_path, caplog):
    """An image URL in crawled text must not make the renderer fetch it (no file:, no http:)."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not an image")
    out = html_to_pdf(page(title="t", text="x", chart="", image=f"file://{secret}"), tmp_path / "r.pdf")
    assert out.exists()
    assert any("disallowed protocol" in r.getMessage() or "refused" in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]


def test_line_chart_scales_to_its_data():
    svg = str(line_chart(["a", "b", "c"], {"s": [0, 40, 12]}, title="t"))
    assert svg.startswith("<svg") and svg.count("<polyline") == 1 and ">50<" in svg  # axis top 50 for max 40
    with pytest.raises(Exception):
        environment().from_string("{{ missing }}").render()  # a typo in a template fails loudly
