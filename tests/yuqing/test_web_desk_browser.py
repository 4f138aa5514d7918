"""The emergency desk's pages (应急值守) in a real browser: headless Chromium against the real service over
a store the real alert stage filled (``tests/desk_seed.py``); the set-up is ``tests/browser_support.py``.

Every test fails on a JavaScript console error, an uncaught exception, a failed request or an answer
of 400 or more that it did not ask for. Screenshots of the board, a team's view on a phone, its
printed sheet and the rumour board are written to ``.cache/screenshots/``.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from browser_support import Service, browser, needs_chromium, open_page  # noqa: E402,F401  (fixtures)
from desk_seed import (A_HOME, A_PHONE, B_PHONE, C_PHONE, D_PHONE, GL, MASKED_A, TEAM, USERS, minutes,  # noqa: E402
                       post, rescue, seed)

from desk import board, storm  # noqa: E402
from desk.handover import COLUMNS  # noqa: E402
from governance import audit  # noqa: E402

pytestmark = needs_chromium


@pytest.fixture
def service(request, tmp_path):
    store = request.getfixturevalue(getattr(request, "param", "sqlite_store"))
    seeded = seed(store, tmp_path)
    running = Service(store, USERS)
    running.store = store
    running.engine = seeded["engine"]
    running.rows = seeded["rows"]
    yield running
    running.server.stop()


def _row(page, request_id: str):
    return page.locator(f'tbody[data-id="{request_id}"]')


def _stored(service, request_id: str) -> dict:
    return board.get(service.store, request_id)[0]


# --- storm mode, claiming and verifying -------------------------------------------------------------

def test_switch_to_storm_mode_and_another_operator_sees_it(open_page, service):
    other = open_page("t-res")
    other_page = other.go("/desk")
    assert "未开启" in other_page.inner_text("#storm")
    ana = open_page("t-ana")
    page = ana.go("/desk")
    page.fill("#storm input[name=note]", "暴雨红色预警")
    page.fill("#storm input[name=keywords]", "暴雨 内涝")
    page.fill("#storm input[name=places]", "民治街道")
    page.click("#storm-toggle")
    page.wait_for_load_state("networkidle")
    assert "storm-on" in page.get_attribute("#storm", "class")
    assert "已开启" in page.inner_text("#storm") and "暴雨红色预警" in page.inner_text("#storm")
    assert "应急模式已开启" in page.inner_text("#flash")
    state = storm.current(service.store)
    assert state["on"] and state["by"] == "ana" and state["note"] == "暴雨红色预警"
    assert state["keywords"] == ["暴雨", "内涝"] and state["places"] == ["民治街道"]  # the crawl narrows on them
    assert "专项采集：暴雨、内涝 · 民治街道" in page.inner_text("#storm")
    [event] = audit.find(service.store, actions=["desk_storm"])
    assert event.who == "ana" and "开启" in event.detail
    other_page.wait_for_selector("#storm.storm-on", timeout=15000)  # the other board follows, no reload
    ana.shot("desk-board")
    page.click("#storm-toggle")  # one action back to normal
    page.wait_for_load_state("networkidle")
    assert not storm.current(service.store)["on"] and "未开启" in page.inner_text("#storm")


def test_claim_and_verify_a_request_while_another_operator_watches(open_page, service):
    a_id = service.rows[A_PHONE]
    ana = open_page("t-ana")
    page = ana.go("/desk")
    rows = page.locator("tbody.req")
    assert rows.count() == 4 and rows.nth(0).get_attribute("data-id") == a_id  # most urgent first
    assert "待核实" in page.inner_text("#board") and "new" not in page.inner_text("#board thead")
    res = open_page("t-res")
    res_page = res.go("/desk")
    _row(page, a_id).locator("button.claim-btn").click()
    page.wait_for_load_state("networkidle")
    assert "已认领" in page.inner_text("#flash")
    assert "ana 认领中" in _row(page, a_id).inner_text()
    # the other operator's board shows the claim without a reload and will not call the same number
    res_row = _row(res_page, a_id)
    res_page.wait_for_function(
        "id => document.querySelector(`tbody[data-id=\"${id}\"] [data-field=claim]`).textContent.includes('ana')",
        arg=a_id, timeout=15000)
    assert res_row.locator("button.claim-btn").is_disabled()
    status = _row(page, a_id).locator("form.status-form")
    status.locator("select[name=status]").select_option("verified")
    status.locator("input[name=note]").fill("电话打通，两位老人在二楼")
    status.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert _row(page, a_id).locator('[data-field="status"]').inner_text() == "已核实"
    assert "核实：ana" in _row(page, a_id).inner_text()
    data = _stored(service, a_id)
    assert data["status"] == "verified" and data["verified_by"] == "ana" and data["claimed_by"] == "ana"
    assert data["notes"][-1]["text"] == "电话打通，两位老人在二楼"
    ana.shot("desk-board-verified")
    events = audit.find(service.store, actions=["desk_claim", "desk_status"])
    assert {(e.action, e.who, e.target_id) for e in events} == {("desk_claim", "ana", a_id),
                                                              ("desk_status", "ana", a_id)}
    # the other operator's form was drawn before the change: refused, nothing overwritten
    res_page.wait_for_selector(f'tbody[data-id="{a_id}"].changed', timeout=15000)
    note = res_row.locator("form.act", has=res_page.locator("input[name=note][required]"))
    res_row.locator("details.posts summary").click()
    note.locator("input[name=note]").fill("电话无人接听")
    note.locator("button").click()
    res_page.wait_for_load_state("networkidle")
    assert "刷新后再操作" in res_page.inner_text("#flash")
    assert [n["text"] for n in _stored(service, a_id)["notes"]] == ["电话打通，两位老人在二楼"]


# --- hand-over -----------------------------------------------------------------------------------------

def test_export_the_board_as_xlsx_and_read_it_back(open_page, service):
    from openpyxl import load_workbook

    ana = open_page("t-ana")
    page = ana.go("/desk")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(book.active.iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS)
    by_id = {r[0]: dict(zip(COLUMNS, r)) for r in rows[1:]}
    assert set(by_id) == set(service.rows.values())
    a = by_id[service.rows[A_PHONE]]
    assert a["电话"] == A_PHONE and a["地址"] == A_HOME and a["状态"] == "待核实" and a["重点人群"] == "老人"
    assert a["原帖链接"].startswith("https://weibo.example/")
    page = ana.go(f"/desk?street={GL}")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    only = list(load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active.iter_rows(values_only=True))
    assert len(only) == 2 and only[1][COLUMNS.index("电话")] == B_PHONE
    events = audit.find(service.store, actions=["export"])
    assert len(events) == 2 and all(e.who == "ana" and "含个人信息" in e.detail for e in events)


def test_import_a_returned_sheet_that_changes_two_statuses(open_page, service, tmp_path):
    from openpyxl import Workbook

    a_id, b_id = service.rows[A_PHONE], service.rows[B_PHONE]
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "电话", "状态", "备注", "核实人"])
    sheet.append([a_id, A_PHONE, "已派单", "已派冲锋舟", "李强"])
    sheet.append(["", B_PHONE, "无法联系", "三次未接", ""])
    sheet.append(["req:nothing", "", "已救出", "", ""])  # matches no request
    sheet.append(["", C_PHONE, "都好了", "", ""])  # not a status
    path = tmp_path / "回传.xlsx"
    book.save(path)
    ana = open_page("t-ana")
    page = ana.go("/desk/handover")

    def upload():
        page.set_input_files("input[name=sheet]", str(path))
        page.click("#import-submit")
        page.wait_for_selector("#import-result .result")
        return page.inner_text("#import-result")

    result = upload()
    assert "已更新 2 条" in result and "未匹配 1 行" in result and "错误 1 行" in result
    assert "回传.xlsx 第 5 行" in result and "“状态”列：无法识别的状态“都好了”" in result  # its row and column
    assert "req:nothing" in result
    assert _stored(service, a_id)["status"] == "dispatched" and _stored(service, b_id)["status"] == "unreachable"
    assert _stored(service, a_id)["verified_by"] == "李强"
    again = upload()  # the same sheet twice: nothing changes twice
    assert "已更新 0 条" in again
    assert [n["text"] for n in _stored(service, a_id)["notes"]] == ["已派冲锋舟"]
    page = ana.go("/desk")
    assert _row(page, a_id).locator('[data-field="status"]').inner_text() == "已派单"
    assert _row(page, b_id).locator('[data-field="status"]').inner_text() == "无法联系"
    [event] = audit.find(service.store, actions=["desk_import"])[-1:]
    assert event.who == "ana"


# --- follow-ups, rumours ------------------------------------------------------------------------------

def test_a_follow_up_post_marks_a_row_safe_on_the_open_board(open_page, service):
    a_id = service.rows[A_PHONE]
    ana = open_page("t-ana")
    page = ana.go("/desk")
    post(service.store, f"更新：碧水龙庭3栋的老人已获救，勿再转，谢谢大家！电话{A_PHONE}", minutes(120), doc_id="a-safe")
    service.engine.cycle(minutes(121))  # the service's alert stage: rules, desk rows, follow-ups
    page.wait_for_function(
        "id => document.querySelector(`tbody[data-id=\"${id}\"] [data-field=status]`).textContent === '已报平安'",
        arg=a_id, timeout=15000)
    assert "已被他人或跟帖更新" in page.inner_text("#refresh")
    page.click("#refresh a")
    page.wait_for_load_state("networkidle")
    row = _row(page, a_id)
    assert "跟帖：已报平安" in row.inner_text()
    row.locator("details.posts summary").click()
    assert "老人已获救" in row.locator("details.posts").inner_text()
    assert _stored(service, a_id)["status"] == "safe"
    row.locator("button", has_text="撤销").click()  # a wrong match: the analyst undoes it
    page.wait_for_load_state("networkidle")
    assert _row(page, a_id).locator('[data-field="status"]').inner_text() == "待核实"
    [event] = audit.find(service.store, actions=["desk_followup_undo"])
    assert event.who == "ana"


def test_two_rows_that_give_one_phone_are_marked_and_merged_from_the_mark(open_page, service):
    a_id, d_id = service.rows[A_PHONE], service.rows[D_PHONE]
    post(service.store, f"碧水龙庭和上塘村都有人被困，联系{A_PHONE}或{D_PHONE}", minutes(9), doc_id="bridge",
         rescue_slots={**rescue(A_PHONE, A_HOME, 0.9), "phones": [A_PHONE, D_PHONE]})
    service.engine.cycle(minutes(10))
    ana = open_page("t-ana")
    page = ana.go("/desk")
    mark = _row(page, a_id).locator(".same-phone")
    assert mark.is_visible() and d_id in mark.inner_text() and "可能重复" in mark.inner_text()
    assert a_id in _row(page, d_id).locator(".same-phone").inner_text()
    ana.shot("desk-same-phone")
    mark.locator("a").click()  # the link goes to the other row
    page.wait_for_function("id => location.hash === `#r-${id}`", arg=d_id, timeout=5000)
    row = _row(page, a_id)
    row.locator("details.posts summary").click()
    merge = row.locator("form", has=page.locator("input[name=others]"))
    assert merge.locator("input[name=others]").input_value() == d_id  # filled in from the mark
    merge.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert "已合并" in page.inner_text("#flash")
    assert _stored(service, d_id)["merged_into"] == a_id and "bridge" in _stored(service, a_id)["doc_ids"]
    assert page.locator(".same-phone").count() == 0


def test_a_rumour_gets_its_denial_and_fraud_is_flagged(open_page, service):
    ana = open_page("t-ana")
    page = ana.go("/desk/rumours")
    def claim(words):
        return page.locator("article.claim-card").filter(has=page.locator(".claim-text", has_text=words))

    dam, metro = claim("郭家咀水库"), claim("地铁五号线")
    assert dam.locator('[data-field="claim-status"]').inner_text() == "已辟谣" and "自动匹配" in dam.inner_text()
    assert "3 帖" in dam.inner_text() and dam.locator("svg.spark rect").count() >= 2  # its spread per hour
    assert metro.locator('[data-field="claim-status"]').inner_text() == "未辟谣"
    assert "冒充救援" in page.inner_text("#frauds")
    ana.shot("desk-rumours")
    metro.locator("select[name=candidate]").select_option("metro-official")
    metro.locator("button", has_text="标为已辟谣").click()
    page.wait_for_load_state("networkidle")
    metro = claim("地铁五号线")
    assert metro.locator('[data-field="claim-status"]').inner_text() == "已辟谣"
    assert "由 ana 关联" in metro.inner_text() and "遇难12人" in metro.inner_text()
    [event] = audit.find(service.store, actions=["desk_rumour_denial"])
    assert event.who == "ana" and "metro-official" in event.detail


# --- a team in the field; viewers -----------------------------------------------------------------------

def test_the_team_view_fits_a_phone_and_reports_from_the_field(open_page, service):
    a_id, c_id = service.rows[A_PHONE], service.rows[C_PHONE]
    ana = open_page("t-ana")
    page = ana.go("/desk")
    assign = _row(page, a_id).locator("form.assign-form")
    assign.locator("input[name=team]").fill(TEAM)
    assign.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert _stored(service, a_id)["team"] == TEAM and _stored(service, a_id)["status"] == "dispatched"
    board.assign(service.store, c_id, TEAM, by="ana")
    res = open_page("t-res")
    res.page.set_viewport_size({"width": 360, "height": 740})
    page = res.go(f"/desk/team/{TEAM}")
    cards = page.locator("article.tcard")
    assert cards.count() == 2
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths  # no horizontal scroll at 360 px
    card = page.locator(f'article[data-id="{a_id}"]')
    assert card.locator(f'a.call[href="tel:{A_PHONE}"]').is_visible()
    res.shot("desk-team")
    card.locator("button", has_text="救援中").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(f'article[data-id="{a_id}"] [data-field="status"]').inner_text() == "救援中"
    assert _stored(service, a_id)["status"] == "in_progress"
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    page = res.go(f"/desk/team/{TEAM}/sheet")
    page.set_viewport_size({"width": 1100, "height": 800})
    page.emulate_media(media="print")
    assert page.locator("header").is_hidden() and page.locator("#print").is_hidden()
    assert page.locator("table.sheet-table tbody tr").count() == 2 and A_PHONE in page.inner_text("table.sheet-table")
    res.shot("desk-sheet-print")


def test_a_viewer_sees_masked_phones_and_no_actions(open_page, service):
    vic = open_page("t-vic")
    for path in ("/desk", "/desk/rumours", "/desk/review", f"/desk/team/{TEAM}", "/desk/handover"):
        text = vic.go(path).content()
        assert A_PHONE not in text and A_HOME not in text, path
    page = vic.go("/desk")
    assert MASKED_A in page.inner_text("#board") and "民治街道****" in page.inner_text("#board")
    assert page.locator("button.claim-btn").count() == 0 and page.locator("#storm-toggle").count() == 0
    assert "电话与详细地址已隐藏" in page.inner_text("main")


# --- Elasticsearch: the same board on the other store ----------------------------------------------------

@pytest.mark.parametrize("service", ["es_store"], indirect=True)
def test_smoke_on_elasticsearch(open_page, service):
    a_id = service.rows[A_PHONE]
    ana = open_page("t-ana")
    page = ana.go("/desk")
    assert page.locator("tbody.req").count() == 4
    _row(page, a_id).locator("button.claim-btn").click()
    page.wait_for_load_state("networkidle")
    assert "ana 认领中" in _row(page, a_id).inner_text()
    page = ana.go("/desk/rumours")
    assert page.locator("article.claim-card").count() == 2
