"""The workbench in a real browser: headless Chromium (Debian's, driven by Playwright) against the real
service (uvicorn on loopback) over a seeded store; the set-up is ``tests/browser_support.py``.

Every test fails on a JavaScript console error, an uncaught exception, a failed request or an answer
of 400 or more that it did not ask for. Screenshots of the main pages at 1400×900 are written to
``.cache/screenshots/`` (not committed) for a person to look at.
"""
from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from browser_support import Service, browser, needs_chromium, open_page  # noqa: E402,F401  (fixtures)
from web_seed import HOME, INCIDENT, LH_PHONE, MASKED_PHONE, MZ, PHONE, USERS, seed  # noqa: E402

from governance import audit  # noqa: E402
from yuqing.records import Alert  # noqa: E402

pytestmark = needs_chromium


@pytest.fixture
def service(request):
    store = request.getfixturevalue(getattr(request, "param", "sqlite_store"))
    seed(store)
    running = Service(store, USERS)
    running.store = store
    yield running
    running.server.stop()


def _state(store, alert_id: str) -> str:
    return store.get_record("alerts", alert_id).state


# --- the queue ------------------------------------------------------------------------------------

def test_triage_the_queue_with_the_keyboard_and_bulk_actions(open_page, service):
    ana = open_page("t-ana")
    page = ana.go("/")
    assert "待处理预警" in page.content() and "红色" in page.inner_text("#queue")
    ana.shot("home")
    page = ana.go("/alerts?state=open")
    rows = page.locator("#queue tbody tr[data-href]")
    assert rows.count() == 5
    # red first, the labels in Chinese, never the codes
    assert rows.nth(0).locator(".sev").inner_text() == "红色"
    queue_text = page.inner_text("#queue")
    assert "自然灾害" in queue_text and "待确认" in queue_text and "natural_disaster" not in queue_text
    assert page.inner_text('[data-count="severity-orange"]') == "2"
    ana.shot("alerts")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.inner_text("#selected-count") == "2"
    first, second = (rows.nth(i).get_attribute("data-href").rsplit("/", 1)[1] for i in (0, 1))
    page.select_option("#bulk select[name=action]", "ack")
    page.fill("#bulk input[name=note]", "已阅，联系社区核实")
    page.click("#bulk-submit")
    page.wait_for_load_state("networkidle")
    assert "已处理 2 条" in page.content()
    assert _state(service.store, first) == _state(service.store, second) == "acknowledged"
    assert "已阅，联系社区核实" in service.store.get_record("alerts", first).history[-1].note
    events = audit.find(service.store, actions=["state_change"])
    assert {e.target_id for e in events} == {first, second} and all(e.who == "ana" for e in events)
    # the place in the list: k goes back up, Enter opens the alert under the cursor
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    target = page.locator("#queue tr.current").get_attribute("data-href")
    page.keyboard.press("Enter")
    page.wait_for_url("**" + target)


def test_filters_bulk_assign_and_dismiss(open_page, service):
    ana = open_page("t-ana")
    page = ana.go("/alerts")
    page.select_option("select[name=category]", "traffic")
    page.click("#filters button:text('筛选')")
    page.wait_for_load_state("networkidle")
    assert "category=traffic" in page.url
    assert page.locator("#queue tbody tr[data-href]").count() == 1
    page.check("#select-all")
    page.select_option("#bulk select[name=action]", "assign")
    page.fill("#bulk input[name=assignee]", "民治街道城管科")
    page.click("#bulk-submit")
    page.wait_for_load_state("networkidle")
    alert = service.store.get_record("alerts", "a-traffic")
    assert alert.assignee == "民治街道城管科" and alert.state == "new"
    assert "民治街道城管科" in page.inner_text("#queue")
    page.check("#select-all")
    page.select_option("#bulk select[name=action]", "dismiss")
    page.click("#bulk-submit")
    page.wait_for_load_state("networkidle")
    assert _state(service.store, "a-traffic") == "dismissed"


def test_live_refresh_offers_new_alerts_without_losing_the_place(open_page, service):
    ana = open_page("t-ana")
    page = ana.go("/alerts?state=open")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    place = page.locator("#queue tr.current").get_attribute("data-href")
    assert page.locator("#refresh").is_hidden()
    service.store.put_records("alerts", [Alert(id="a-new", rule="keyword", severity="red", title="新的积水求助",
                                               street=MZ, created_at="2026-11-30T10:00:00+08:00")])
    service.store.flush()
    page.wait_for_selector("#refresh:not([hidden])", timeout=15000)
    assert "有 1 条新预警" in page.inner_text("#refresh")
    assert page.inner_text('[data-count="severity-red"]') == "2"  # the counts follow
    assert page.locator("#queue tr.current").get_attribute("data-href") == place  # nothing reloaded
    assert page.inner_text("#selected-count") == "1"


def test_saved_views_are_kept_in_the_browser(open_page):
    ana = open_page("t-ana")
    page = ana.go("/alerts?severity=orange")
    page.once("dialog", lambda dialog: dialog.accept("橙色预警"))
    page.click("#save-view")
    page = ana.go("/alerts")
    assert page.locator("#saved-views option", has_text="橙色预警").count() == 1
    page.select_option("#saved-views", label="橙色预警")
    page.wait_for_url("**/alerts?*severity=orange*")
    page.wait_for_load_state("networkidle")
    assert "severity=orange" in page.url and page.locator("#queue tbody tr[data-href]").count() == 2


# --- the alert and the incident -------------------------------------------------------------------

def test_alert_page_actions_and_a_correction_of_the_analysis(open_page, service):
    ana = open_page("t-ana")
    page = ana.go("/alerts/a-rescue")
    text = page.inner_text("main")
    assert PHONE in text and "老人、婴幼儿" in text and "转移被困" in text and "求救" in text
    assert "2023年9月深圳特大暴雨" in text  # the precedent, by its title
    ana.shot("alert")
    post = page.locator(".post", has_text="阳光小区")
    post.locator("summary").click()
    post.locator("select[name=task]").select_option("category")
    post.locator("select[name=label]").select_option("public_safety")
    post.locator("input[name=note]").fill("是燃气泄漏，不是内涝")
    post.locator("button", has_text="提交纠正").click()
    page.wait_for_load_state("networkidle")
    analysis = service.store.get_analysis("d1")
    assert analysis.categories[0].label == "public_safety" and "category" in analysis.corrected
    assert "已纠正" in page.locator(".post", has_text="阳光小区").inner_text()
    from nlp import corrections
    [fix] = corrections.latest(service.store, "category")
    assert (fix.doc_id, fix.old, fix.new, fix.who) == ("d1", "natural_disaster", "public_safety", "ana")
    [event] = audit.find(service.store, actions=["correct_analysis"])
    assert event.target_id == "d1" and "public_safety" in event.detail
    page.locator("form.action", has_text="确认").locator("button").click()
    page.wait_for_load_state("networkidle")
    assign = page.locator("form.action", has_text="指派")
    assign.locator("input[name=assignee]").fill("民治应急办")
    assign.locator("button").click()
    page.wait_for_load_state("networkidle")
    alert = service.store.get_record("alerts", "a-rescue")
    assert alert.state == "acknowledged" and alert.assignee == "民治应急办"
    assert "指派给 民治应急办" in page.inner_text("main")


def test_incident_page_with_its_chart(open_page):
    ana = open_page("t-ana")
    page = ana.go(f"/incidents/{INCIDENT}")
    page.wait_for_selector("#volume-chart[data-ready] canvas")
    text = page.inner_text("main")
    assert "首发" in text and "40 条" in text and "不实信息" in text and "2023年9月深圳特大暴雨" in text
    assert "匹配原因" in text and "汛期" in text  # why the precedent matched; the calendar context
    assert page.locator("table.posts tr").count() < 41  # the reposts are folded
    ana.shot("incident")


def test_statistics_page_and_its_scope(open_page):
    mz = open_page("t-mz")
    page = mz.go("/stats")
    page.wait_for_selector(".chart[data-ready] canvas")
    text = page.inner_text("main")
    assert MZ in text and "龙华街道" not in text
    mz.shot("stats")
    page = mz.go("/stats?by=category")
    assert "自然灾害" in page.inner_text("main") and "劳资纠纷" not in page.inner_text("main")


# --- search, export, cases and calendar -----------------------------------------------------------

def test_search_with_filters_facets_and_a_masked_export_for_viewers(open_page, service):
    vic = open_page("t-vic")
    page = vic.go("/search")
    page.fill("input[name=q]", "求助")
    page.select_option("select[name=category]", "natural_disaster")
    page.click("form.filters button")
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "1 条结果" in main and MASKED_PHONE in main and PHONE not in main and "阳光小区" not in main
    assert page.locator(".facets").inner_text().count(MZ) == 1
    vic.shot("search")
    with page.expect_download() as download:
        page.click("text=导出 CSV")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == 2 and MASKED_PHONE in rows[1][1] + rows[1][2] and PHONE not in str(rows)
    [event] = audit.find(service.store, actions=["export"])
    assert event.who == "vic" and "已脱敏" in event.detail


def test_queue_export_for_a_scoped_analyst(open_page, service):
    mz = open_page("t-mz")
    page = mz.go("/alerts")
    assert "龙华街道" not in page.inner_text("#queue")
    with page.expect_download() as download:
        page.click("text=导出 CSV")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert PHONE in text and LH_PHONE not in text and "龙华" not in text and "红色 (red)" in text


def test_cases_and_the_calendar(open_page, service):
    ana = open_page("t-ana")
    page = ana.go("/cases?q=暴雨 内涝")
    page.click("text=2023年9月深圳特大暴雨民治街道内涝处置")
    page.wait_for_load_state("networkidle")
    text = page.inner_text("main")
    assert "提前转移低洼地带群众" in text and "重点关注独居老人" in text and "暴雨红色预警" in text
    ana.shot("case")
    page = ana.go("/calendar?month=2026-12")
    assert "风险日历" in page.inner_text("h2") and "待定" in page.inner_text("#proposals")
    page.locator("#proposals button", has_text="采纳").click()
    page.wait_for_load_state("networkidle")
    assert service.store.get_record("calendar_proposals", "peak-mz-storm").status == "accepted"
    assert "已采纳" in page.inner_text("#proposals")
    page = ana.go("/calendar?month=2026-12")
    assert "汛期高发" in page.inner_text("table.month")  # the accepted peak is on the calendar
    ana.shot("calendar")
    [event] = audit.find(service.store, actions=["calendar_decision"])
    assert event.target_id == "peak-mz-storm" and event.who == "ana"


def test_a_resolved_alert_becomes_a_draft_case(open_page, service):
    from alerts import lifecycle
    for state in ("acknowledged", "dispatched", "resolved"):
        lifecycle.transition(service.store, "a-growth", state, by="ana", note=f"{state} 说明")
    ana = open_page("t-ana")
    page = ana.go("/alerts/a-growth")
    page.click("text=生成案例草稿")
    page.wait_for_load_state("networkidle")
    assert "/cases/" in page.url and "草稿" in page.inner_text("h2")
    assert "resolved 说明" in page.inner_text("main")
    [event] = audit.find(service.store, actions=["draft_case"])
    assert "a-growth" in event.detail


# --- masking and scope ----------------------------------------------------------------------------

def test_a_viewer_sees_masked_phones_and_a_scoped_analyst_no_other_street(open_page):
    vic = open_page("t-vic", allowed_status=(403,))
    for path in ("/", "/alerts", "/alerts/a-rescue", f"/incidents/{INCIDENT}", "/rescue"):
        text = vic.go(path).content()
        assert PHONE not in text and HOME not in text, path
    assert MASKED_PHONE in vic.go("/alerts/a-rescue").content()
    assert vic.page.locator("details.correct").count() == 0  # a viewer cannot correct
    mz = open_page("t-mz", allowed_status=(404,))
    for path in ("/", "/alerts", "/incidents", "/stats", "/search?q=欠薪", "/calendar"):
        text = mz.go(path).content()
        assert LH_PHONE not in text and "清湖" not in text and "a-wages" not in text, path
    assert mz.go("/incidents/inc-wages").title().startswith("404") or "404" in mz.page.content()
    assert re.search("no such", mz.page.content())


# --- Elasticsearch: the same workbench on the other store -------------------------------------------

@pytest.mark.parametrize("service", ["es_store"], indirect=True)
def test_smoke_on_elasticsearch(open_page, service):
    ana = open_page("t-ana")
    page = ana.go("/alerts?state=open")
    assert page.locator("#queue tbody tr[data-href]").count() == 5
    page = ana.go(f"/incidents/{INCIDENT}")
    page.wait_for_selector("#volume-chart[data-ready] canvas")
    page = ana.go("/stats")
    page.wait_for_selector(".chart[data-ready] canvas")
    assert MZ in page.inner_text("main")
    page = ana.go("/search?q=求助&category=natural_disaster")
    assert "1 条结果" in page.inner_text("main")
