"""The report: HTML with every section and its citations, PDF that holds the Chinese text."""
import subprocess

import pytest

from assessment import assess, parse_card
from assessment.report import render_html, write_pdf
from assess_helpers import card_data, post, put

SECTIONS = ("一、项目概况", "二、流程规范性、建设必要性与规划合理性审查", "三、风险识别", "四、分类风险分析",
            "五、利益相关群体立场", "六、同类先例", "七、敏感时段冲突", "八、风险等级", "九、风险防范化解预案",
            "十、舆情监测方案")


@pytest.fixture
def assessed(sqlite_store, config):
    pairs = [post(i, f"大浪街道浪口农贸市场拆除，商户说补偿太低<script>alert({i})</script>", street="大浪街道")
             for i in range(8)]
    pairs += [post(i, f"浪口农贸市场拆除后居民买菜更方便了，支持{i}", street="大浪街道", sentiment="positive",
                   category="other") for i in range(8, 14)]
    put(sqlite_store, pairs)
    card = card_data(procedures={"听证会": False}, timeline=[{"milestone": "清场", "date": "2027-02-01"}])
    return assess(parse_card(card), sqlite_store, config)


def test_html_has_every_section_cites_posts_and_escapes_them(assessed):
    html = render_html(assessed)
    for title in SECTIONS:
        assert title in html
    for c in assessed.categories:
        assert c.label in html
    assert "<script>alert(" not in html and "&lt;script&gt;" in html
    for e in (e for c in assessed.categories for e in c.evidence):
        assert f'href="#doc-{e.doc_id}"' in html and f'id="doc-{e.doc_id}"' in html and f'href="{e.url}"' in html
    # every post a factor or a group's stance rests on is linked and listed with its URL
    referred = {d for c in assessed.categories for f in c.factors for d in f.doc_ids[:5]}
    referred |= {d for s in assessed.stakeholders for d in s["doc_ids"]}
    assert referred
    for doc_id in referred:
        assert f'href="#doc-{doc_id}"' in html and f'id="doc-{doc_id}"' in html
        assert f'href="https://example.org/p/{int(doc_id.split("-")[1])}"' in html
    assert "春节前欠薪高发期" in html and "听证会" in html
    assert "<svg" in html  # the charts, inline


def test_pdf_opens_and_holds_the_chinese_text(assessed, tmp_path):
    out = write_pdf(assessed, tmp_path / "report.pdf")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    for phrase in ("社会稳定风险评估报告", "一、项目概况", "征迁补偿与利益分配", "风险防范化解预案", "春节前欠薪高发期",
                   "浪口农贸市场"):
        assert phrase in flat, phrase
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert any("CJK" in line and " yes yes yes " in line for line in fonts.splitlines()), fonts


def test_report_without_evidence_says_so(sqlite_store, config):
    html = render_html(assess(parse_card(card_data()), sqlite_store, config))
    assert "库中没有可判断立场的帖子" in html and "<svg" not in html
