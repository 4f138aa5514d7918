"""The 简报 and 企业 pages in a real browser: headless Chromium (Debian's, driven by Playwright) against the
real service (uvicorn on loopback); the set-up is ``tests/browser_support.py``. An analyst writes a daily
report from the archive page and reads it; opens an enterprise's page, its charts drawn by the vendored
ECharts and its scores explained, and follows it to an incident that names it and back.

Every test fails on a JavaScript console error, an uncaught exception, a failed request or an answer of
400 or more that it did not ask for. Screenshots at 1400×900 go to ``.cache/screenshots/``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "briefings"))
from browser_support import Service, browser, needs_chromium, open_page  # noqa: E402,F401  (fixtures)
from story import fill  # noqa: E402
from web_seed_enterprise import seed as seed_enterprises  # noqa: E402

from briefings import archive  # noqa: E402
from governance import audit  # noqa: E402

pytestmark = needs_chromium
USERS = "web.users={ana: {role: analyst, token: t-ana}, vic: {role: viewer, token: t-vic}}"


@pytest.fixture
def service(sqlite_store, tmp_path):
    fill(sqlite_store)  # the briefings' story day: 2026-07-20, 民治街道 and 观澜街道
    ids = seed_enterprises(sqlite_store, tmp_path)
    running = Service(sqlite_store, USERS, ("cases.search_mode=lexical",))
    running.store, running.ids = sqlite_store, ids
    yield running
    running.server.stop()


def test_write_a_daily_report_from_the_archive_page_and_read_it(open_page, service):
    ana = open_page("t-ana")
    page = ana.go("/reports")
    assert "暂无简报" in page.inner_text("#reports")
    page.select_option("#generate select[name=kind]", "daily")
    page.fill("#generate input[name=date]", "2026-07-20")
    page.check("#generate input[name=street][value='民治街道']")
    page.click("#generate button")
    page.wait_for_url("**/reports/daily-2026-07-20-*")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("h2").startswith("民治街道舆情日报")
    body = page.inner_text("article.report")
    assert "重点事件1：民治街道 暴雨 内涝 积水" in body and "逾期督办事项" in body and "观澜工厂欠薪" not in body
    assert page.locator("article.report figure svg").count() >= 1
    ana.shot("report")
    [record] = archive.recent(service.store)
    assert record.streets == ["民治街道"] and audit.find(service.store, actions=["generate_report"])[0].who == "ana"
    pdf = page.request.get(service.url + f"/reports/{record.id}/pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
    with page.expect_download() as download:
        page.click("a[data-format=docx]")
    assert download.value.suggested_filename.endswith(".docx")
    page = ana.go("/reports")
    assert page.locator("#reports tr").count() == 2 and "民治街道舆情日报" in page.inner_text("#reports")
    ana.shot("reports")
    printable = ana.go(f"/reports/{record.id}/html")  # the printed layout, its own stylesheet inline
    assert printable.inner_text("h1") == "民治街道舆情日报"
    ana.shot("report_printable")


def test_an_enterprise_page_with_its_charts_and_explanations(open_page, service):
    xinda = service.ids["xinda"]
    vic = open_page("t-vic")
    page = vic.go("/enterprises")
    assert "100 预警" in page.inner_text("#enterprises")
    vic.shot("enterprises")
    page.click("#enterprises a:text('深圳市鑫达电子有限公司')")
    page.wait_for_url(f"**/enterprises/{xinda}")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.querySelectorAll('.chart[data-ready] canvas').length === 4")
    arrears = page.inner_text(".score[data-risk=wage_arrears]")
    assert "100 分 · 预警" in arrears and "社保欠缴占应缴 45%" in arrears and "+35" in arrears
    posts = page.inner_text("table.posts >> nth=0")
    assert "<script>alert('xss')</script>" in posts and "138****5678" in posts and "13812345678" not in posts
    vic.shot("enterprise")
    page.click("a[href='/incidents/inc-xinda']")
    page.wait_for_url("**/incidents/inc-xinda")
    page.wait_for_selector("#volume-chart[data-ready] canvas")
    assert "深圳市鑫达电子有限公司" in page.inner_text("#enterprises")
    vic.shot("incident_enterprises")
    page.click(f"#enterprises a[href='/enterprises/{xinda}']")
    page.wait_for_url(f"**/enterprises/{xinda}")
