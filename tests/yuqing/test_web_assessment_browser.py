"""The 稳评 pages in a real browser (Debian's headless Chromium through Playwright, the real service on
loopback; the set-up is ``tests/browser_support.py``): an analyst creates a project from the form,
reads its assessment with all six categories, downloads the PDF and opens the watch with its chart;
an uploaded card with a typo is refused with the field named; an owner sees only their project.
Screenshots go to ``.cache/screenshots/assess_*.png`` for a person to look at.
"""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from browser_support import Service, browser, needs_chromium, open_page  # noqa: E402,F401  (fixtures)

from yuqing import records as R  # noqa: E402

pytestmark = needs_chromium

USERS = ("web.users={ana: {role: analyst, token: t-ana}, "
         "own: {role: owner, token: t-own, projects: [langkou-market]}}")
SIX = ("政策法律与审批程序", "征迁补偿与利益分配", "社会稳定与群体性事件", "安全与公共卫生", "生态环境与邻避", "舆情传播")
START = datetime(2026, 9, 1, 9, 0, tzinfo=R.DEFAULT_TZ)


def seed(store) -> None:
    """Eight weeks about the market: merchants hesitate for four, support after the 说明会 (day 28);
    residents and the local paper along the way; a post about another street's market."""
    docs, analyses = [], []

    def add(n, day, text, sentiment, source_type="social", street="大浪街道"):
        doc = R.Document(id=f"b-{n:03d}", text=text, published_at=START + timedelta(days=day, hours=n % 9),
                         source="weibo" if source_type == "social" else "深圳晚报", source_type=source_type,
                         url=f"https://weibo.example/{n}", metrics={"reposts": n % 4, "likes": 3})
        docs.append(doc)
        analyses.append(R.Analysis(id=doc.id, sentiment={"label": sentiment, "score": 0.9},
                                   categories=[{"label": "land_demolition", "score": 0.8}],
                                   location={"district": "龙华区", "street": street, "confidence": 0.9}))
    n = 0
    for day in range(56):
        n += 1
        if day < 28:
            add(n, day, f"浪口农贸市场要拆除，商户们还在观望，补偿标准没说清{n}", "neutral" if day % 3 else "negative")
        else:
            add(n, day, f"浪口农贸市场拆除重建，商户说临时市场安排好了，支持{n}", "positive")
        if day % 3 == 0:
            n += 1
            add(n, day, f"浪口农贸市场拆除后居民买菜{'不方便' if day < 20 else '去临时市场也方便'}{n}",
                "negative" if day < 20 else "positive")
        if day % 9 == 0:
            n += 1
            add(n, day, f"记者走访浪口农贸市场拆除重建进展{n}", "neutral" if day < 28 else "positive", "news")
    add(999, 10, "观澜农贸市场拆除，商户反对", "negative", street="观澜街道")
    store.put_documents(docs)
    store.put_analyses(analyses)
    store.flush()


@pytest.fixture
def service(request):
    store = request.getfixturevalue("sqlite_store")
    seed(store)
    running = Service(store, USERS, ("cases.search_mode=lexical",))
    running.store = store
    yield running
    running.server.stop()


def fill_card(page) -> None:
    page.fill("input[name=name]", "大浪街道浪口农贸市场拆除重建项目")
    page.fill("textarea[name=summary]", "浪口农贸市场经营三十余年，消防隐患多，拟拆除重建，过渡期设临时市场。")
    page.fill("input[name=type]", "拆除重建")
    page.fill("input[name=owner]", "大浪街道办事处")
    page.fill("input[name=id]", "langkou-market")
    page.fill("input[name=city]", "深圳市")
    page.fill("input[name=district]", "龙华区")
    page.fill("input[name=street]", "大浪街道")
    page.fill("input[name=community]", "浪口社区")
    page.fill("input[name=merchants]", "320")
    page.fill("input[name=residents_nearby]", "8000")
    page.fill("input[name=stakeholders]", "商户、周边居民、顾客")
    page.fill("textarea[name=timeline]", "商户说明会 2026-09-29\n补偿方案公示 2026-10-15\n清场 2027-02-01")
    page.fill("textarea[name=procedures]", "规划许可：是\n听证会：否\n补偿方案公示：未知")
    page.fill("textarea[name=compensation]", "商户按经营面积补偿，过渡期安置到临时市场。")
    page.fill("input[name=keywords]", "农贸市场、拆除")


def test_create_a_project_read_its_assessment_and_open_its_watch(open_page, service, tmp_path):
    ana = open_page("t-ana")
    page = ana.go("/projects")
    assert "还没有" in page.inner_text("main")
    page.click("text=新建项目")
    page.wait_for_load_state("networkidle")
    ana.shot("assess_form")
    fill_card(page)
    page.click("#card-form button[type=submit]")
    page.wait_for_url("**/projects/langkou-market?done=assessed", timeout=60000)
    page.wait_for_load_state("networkidle")
    report = page.inner_text("article.assess-report")
    for label in SIX + ("一、项目概况", "五、利益相关群体立场", "九、风险防范化解预案", "十、舆情监测方案"):
        assert label in report, label
    assert "听证会" in report and "观澜" not in report
    assert page.locator("article.assess-report svg").count() >= 1  # the report's own charts
    ana.shot("assess_page")
    page.click(".project-tabs a:text('项目监测')")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#stance-chart[data-ready] canvas")
    text = page.inner_text("main")
    assert "商户说明会" in text and "已衡量" in text and "支持占比" in text
    assert "商户（支持/观望/反对）" in text and "清场" in text
    ana.shot("assess_watch")
    page.locator(".action-effect").first.scroll_into_view_if_needed()
    ana.shot("assess_watch_effects")
    # a publicity action entered by hand, with too few posts around it, says so
    page.fill(".action-form input[name=date]", "2026-11-20")
    page.select_option(".action-form select[name=kind]", "statement")
    page.fill(".action-form input[name=title]", "街道办发布进展通报")
    page.click(".action-form button")
    page.wait_for_load_state("networkidle")
    assert "帖子不足" in page.inner_text(".action-effect:has-text('街道办发布进展通报')")
    # the PDF, downloaded as a person would
    page = ana.go("/projects/langkou-market")
    with page.expect_download() as download:
        page.click("a:text('下载 PDF')")
    pdf = Path(download.value.path())
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "社会稳定风险评估报告" in text and "浪口农贸市场" in text

    own = open_page("t-own")
    page = own.go("/")
    assert page.url.endswith("/projects")
    assert page.locator("header nav a:visible").all_inner_texts() == ["稳评"]
    assert "大浪街道浪口农贸市场拆除重建项目" in page.inner_text("main")
    own.shot("assess_owner")


def test_an_uploaded_card_with_a_typo_is_refused_naming_the_field(open_page, service, tmp_path):
    card = tmp_path / "market.yaml"
    card.write_text("name: 浪口农贸市场拆除重建\nsummary: 拟拆除重建。\nprocedure: {听证会: false}\n"
                    "timeline:\n  - {milestone: 清场, date: 2027-13-01}\n", encoding="utf-8")
    ana = open_page("t-ana", allowed_status=(400,))
    page = ana.go("/projects/new")
    page.set_input_files("#card-file", str(card))
    page.wait_for_function("document.getElementById('card-yaml').value.includes('procedure')")
    page.click("#yaml-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    errors = page.inner_text("#card-errors")
    assert "field 'procedure': not a project card field; did you mean 'procedures'?" in errors
    assert "field 'timeline.0.date'" in errors and "未保存" in errors
    ana.shot("assess_form_errors")
    assert service.store.count_records("projects") == 0
