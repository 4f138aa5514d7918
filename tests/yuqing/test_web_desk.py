"""The emergency desk's pages and JSON endpoint in process, on both stores: what ``/api/desk`` tells the
board, who may act (a viewer is refused, a form without its CSRF token is refused, a scoped analyst
cannot reach another street's row), that every action goes through the engine and is audited, the
hand-over files and a returned sheet, and that crawled text stays text."""
from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from desk_seed import (A_HOME, A_PHONE, B_PHONE, C2_PHONE, C_PHONE, D_PHONE, GL, MASKED_A, USERS, minutes, post,  # noqa: E402
                       rescue, seed)

from desk import board, storm  # noqa: E402
from governance import audit  # noqa: E402
from yuqing.config import load_config  # noqa: E402
from yuqing.app.web.app import create_app  # noqa: E402

ANA, VIC, MZU, RES = ({"Authorization": f"Bearer {t}", "Accept": "application/json"}
                      for t in ("t-ana", "t-vic", "t-mz", "t-res"))
ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def desk(store, tmp_path):
    seeded = seed(store, tmp_path)
    client = TestClient(create_app(load_config(None, [USERS]), store))
    client.store, client.rows, client.engine = store, seeded["rows"], seeded["engine"]
    return client


def _status(desk, phone: str) -> str:
    return board.status_of(board.get(desk.store, desk.rows[phone])[0])


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


# --- the JSON endpoint the board polls ----------------------------------------------------------------

def test_api_desk_gives_counts_storm_and_row_states_without_personal_data(desk):
    data = desk.get("/api/desk", headers=ANA).json()
    assert data["counts"]["new"] == 4 and sum(data["counts"].values()) == 4
    assert data["storm"] == {"on": False, "since": None, "by": None}
    assert [r["id"] for r in data["rows"]][0] == desk.rows[A_PHONE]  # most urgent first
    assert {r["status_label"] for r in data["rows"]} == {"待核实"}
    text = desk.get("/api/desk", headers=ANA).text
    assert A_PHONE not in text and A_HOME not in text  # polled every few seconds: never personal data
    storm.switch(desk.store, True, by="ana", note="暴雨红色预警")
    board.claim(desk.store, desk.rows[A_PHONE], by="ana")
    data = desk.get("/api/desk", headers=ANA).json()
    assert data["storm"]["on"] and data["storm"]["by"] == "ana"
    row = next(r for r in data["rows"] if r["id"] == desk.rows[A_PHONE])
    assert row["claimed_by"] == "ana" and re.fullmatch(r"\d\d:\d\d", row["claim_until"]) and row["seen"] != "new"
    assert [r["id"] for r in desk.get(f"/api/desk?street={GL}", headers=ANA).json()["rows"]] == [desk.rows[B_PHONE]]
    assert desk.get("/api/desk?status=verified", headers=ANA).json()["rows"] == []
    assert desk.get("/api/desk?status=done", headers=ANA).status_code == 400


def test_a_scoped_analyst_sees_and_counts_only_their_street(desk):
    data = desk.get("/api/desk", headers=MZU).json()
    assert desk.rows[B_PHONE] not in {r["id"] for r in data["rows"]} and data["counts"]["new"] == 3
    assert desk.get(f"/api/desk?street={GL}", headers=MZU).json()["rows"] == []
    for path in ("/desk", "/desk/export.csv", "/desk/review", "/desk/team/x"):
        assert B_PHONE not in desk.get(path, headers=MZU).text, path
    refused = desk.post(f"/desk/rows/{desk.rows[B_PHONE]}/claim", headers=MZU)
    assert refused.status_code == 404 and _status(desk, B_PHONE) == "new"
    assert board.get(desk.store, desk.rows[B_PHONE])[0].get("claimed_by") is None


# --- who may act -------------------------------------------------------------------------------------------

VIEWER_REFUSED = [("/desk/rows/{a}/claim", {}), ("/desk/rows/{a}/status", {"status": "verified"}),
                  ("/desk/rows/{a}/assign", {"team": "蓝天救援队"}), ("/desk/storm", {"on": "1"}),
                  ("/desk/rumours/denial", {"claim_id": "rumour:x", "doc_id": "metro-official"})]


def test_a_viewer_is_refused_every_action(desk):
    for path, form in VIEWER_REFUSED:
        response = desk.post(path.format(a=desk.rows[A_PHONE]), data=form, headers=VIC, follow_redirects=False)
        assert response.status_code == 403, path
    files = {"sheet": ("r.csv", f"编号,状态\n{desk.rows[A_PHONE]},已核实\n".encode(), "text/csv")}
    assert desk.post("/desk/import", files=files, headers=VIC).status_code == 403
    assert _status(desk, A_PHONE) == "new" and not storm.current(desk.store)["on"]
    assert audit.find(desk.store, actions=["desk_claim", "desk_status", "desk_assign", "desk_storm",
                                           "desk_rumour_denial", "desk_import"]) == []


def test_a_browser_form_needs_its_csrf_token_and_the_services_origin(desk):
    desk.get("/desk?token=t-ana")  # a browser session (cookie), as from the sign-in link
    a_id = desk.rows[A_PHONE]
    refused = desk.post(f"/desk/rows/{a_id}/claim", data={"back": "/desk"}, headers=ORIGIN, follow_redirects=False)
    assert refused.status_code == 403 and board.get(desk.store, a_id)[0].get("claimed_by") is None
    token = _csrf(desk.get("/desk").text)
    foreign = desk.post(f"/desk/rows/{a_id}/claim", data={"csrf_token": token},
                        headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert foreign.status_code == 403
    storm_refused = desk.post("/desk/storm", data={"on": "1"}, headers=ORIGIN, follow_redirects=False)
    assert storm_refused.status_code == 403 and not storm.current(desk.store)["on"]
    done = desk.post(f"/desk/rows/{a_id}/claim", data={"csrf_token": token, "back": "/desk?status=open"},
                     headers=ORIGIN, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/desk?status=open&msg=")
    assert board.get(desk.store, a_id)[0]["claimed_by"] == "ana"
    assert "已认领" in desk.get(done.headers["location"]).text  # the message, once
    elsewhere = desk.post(f"/desk/rows/{a_id}/release", data={"csrf_token": token, "back": "https://evil.example/"},
                          headers=ORIGIN, follow_redirects=False)
    assert elsewhere.headers["location"].startswith("/desk?msg=")  # never sent off the desk


def test_a_flash_message_cannot_be_forged_in_a_link(desk):
    page = desk.get("/desk?msg=请拨打13999999999转账", headers=ANA).text
    assert "13999999999" not in page and "转账" not in page


# --- actions go through the engine, with who and when ---------------------------------------------------------

def test_status_moves_are_the_engines_and_a_stale_form_is_refused(desk):
    a_id = desk.rows[A_PHONE]
    done = desk.post(f"/desk/rows/{a_id}/status", data={"status": "verified", "note": "电话打通", "seen": "new"},
                     headers=ANA)
    assert done.status_code == 200 and done.json()["row"]["status"] == "verified"
    again = desk.post(f"/desk/rows/{a_id}/note", data={"note": "无人接听", "seen": "new"}, headers=ANA)
    assert again.status_code == 409 and "刷新" in again.json()["error"]["message"]  # drawn before the change
    refused = desk.post(f"/desk/rows/{a_id}/status", data={"status": "duplicate"}, headers=ANA)
    assert refused.status_code == 200  # verified → duplicate is allowed; duplicate → safe is not:
    wrong = desk.post(f"/desk/rows/{a_id}/status", data={"status": "safe"}, headers=ANA)
    assert wrong.status_code == 409 and "不允许" in wrong.json()["error"]["message"]
    unknown = desk.post(f"/desk/rows/{a_id}/status", data={"status": "done"}, headers=ANA)
    assert unknown.status_code == 400
    data = board.get(desk.store, a_id)[0]
    assert [(h["who"], h["to"]) for h in data["history"]] == [("ana", "verified"), ("ana", "duplicate")]
    events = audit.find(desk.store, actions=["desk_status"])
    assert len(events) == 2 and {e.who for e in events} == {"ana"}


def test_claims_keep_a_second_operator_off(desk):
    a_id = desk.rows[A_PHONE]
    assert desk.post(f"/desk/rows/{a_id}/claim", headers=ANA).json()["row"]["claimed_by"] == "ana"
    second = desk.post(f"/desk/rows/{a_id}/claim", headers=RES)
    assert second.status_code == 409 and "ana" in second.json()["error"]["message"]
    assert desk.post(f"/desk/rows/{a_id}/release", headers=RES).status_code == 409
    assert desk.post(f"/desk/rows/{a_id}/release", headers=ANA).json()["row"]["claimed_by"] is None


def test_assign_merge_split_and_undo_a_follow_up(desk):
    a_id, c_id, d_id = desk.rows[A_PHONE], desk.rows[C_PHONE], desk.rows["13500005555"]
    row = desk.post(f"/desk/rows/{a_id}/assign", data={"team": "蓝天救援队"}, headers=ANA).json()["row"]
    assert row["assignee"] == "蓝天救援队" and row["status"] == "dispatched"
    split = desk.post(f"/desk/rows/{c_id}/split", data={"doc": ["c2"], "phone": [C2_PHONE]}, headers=ANA).json()["row"]
    assert split["doc_ids"] == ["c2"] and split["phones"] == [C2_PHONE] and split["request_id"] != c_id
    assert board.get(desk.store, c_id)[0]["doc_ids"] == ["c1"]
    merged = desk.post(f"/desk/rows/{a_id}/merge", data={"others": d_id}, headers=ANA).json()["row"]
    assert "d1" in merged["doc_ids"] and board.get(desk.store, d_id)[0]["merged_into"] == a_id
    assert desk.post(f"/desk/rows/{a_id}/merge", data={"others": "req:nothing"}, headers=ANA).status_code == 404
    post(desk.store, f"更新：碧水龙庭3栋的老人已获救，勿再转！电话{A_PHONE}", minutes(60), doc_id="a-safe")
    desk.engine.cycle(minutes(61))  # the service's alert stage applies the follow-up
    assert _status(desk, A_PHONE) == "safe"
    undone = desk.post(f"/desk/rows/{a_id}/undo", data={"doc_id": "a-safe"}, headers=ANA).json()["row"]
    assert undone["status"] == "dispatched"
    actions = {e.action for e in audit.find(desk.store, who="ana")}
    assert {"desk_assign", "desk_split", "desk_merge", "desk_followup_undo"} <= actions


def test_rows_that_give_one_phone_are_marked_and_the_merge_form_is_filled_in(desk):
    # a later post names the phones of two rows already on the board (as real storm posts did): the
    # engine adds it to one row and merges nothing; the board marks both rows for the desk to check
    a_id, d_id = desk.rows[A_PHONE], desk.rows[D_PHONE]
    post(desk.store, f"碧水龙庭和上塘村都有人被困，联系{A_PHONE}或{D_PHONE}", minutes(9), doc_id="bridge",
         rescue_slots={**rescue(A_PHONE, A_HOME, 0.9), "phones": [A_PHONE, D_PHONE]})
    desk.engine.cycle(minutes(10))
    page = desk.get("/desk", headers={"Authorization": "Bearer t-ana"}).text

    def row_html(row_id):
        return re.search(rf'<tbody id="r-{re.escape(row_id)}".*?</tbody>', page, re.S).group(0)

    a_html, d_html = row_html(a_id), row_html(d_id)
    assert f'同号：<a href="#r-{d_id}">{d_id}</a>' in a_html and f'同号：<a href="#r-{a_id}">{a_id}</a>' in d_html
    assert f'aria-label="并入本行的编号" value="{d_id}"' in a_html
    assert "同号" not in row_html(desk.rows[B_PHONE])
    viewer = desk.get("/desk", headers={"Authorization": "Bearer t-vic"}).text  # the mark names rows, not phones
    assert f'href="#r-{d_id}"' in viewer and D_PHONE not in viewer
    merged = desk.post(f"/desk/rows/{a_id}/merge", data={"others": d_id}, headers=ANA).json()["row"]
    assert "d1" in merged["doc_ids"] and "bridge" in merged["doc_ids"]
    assert "同号" not in desk.get("/desk", headers={"Authorization": "Bearer t-ana"}).text


# --- hand-over ----------------------------------------------------------------------------------------------

def test_exports_are_full_for_analysts_masked_for_viewers_and_audited(desk):
    full = desk.get("/desk/export.csv", headers=ANA).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(full)))
    assert rows[0][:3] == ["编号", "时间", "地址"] and len(rows) == 5 and A_PHONE in full and A_HOME in full
    masked = desk.get("/desk/export.csv", headers=VIC).content.decode("utf-8-sig")
    assert A_PHONE not in masked and A_HOME not in masked and MASKED_A in masked and "民治街道****" in masked
    assert desk.get("/desk/export.xls", headers=ANA).status_code == 404
    events = audit.find(desk.store, actions=["export"])
    assert {(e.who, "已脱敏" in e.detail) for e in events} == {("ana", False), ("vic", True)}


def test_a_returned_sheet_updates_rows_and_reports_what_matched_nothing(desk):
    sheet = ("编号,电话,状态,备注\n"
             f"{desk.rows[A_PHONE]},,已核实,电话打通\n"
             f",{B_PHONE},无法联系,\n"
             ",13000000000,已救出,\n"
             f"{desk.rows[C_PHONE]},,已救出,\n").encode("utf-8")
    files = {"sheet": ("回传表.csv", sheet, "text/csv")}
    result = desk.post("/desk/import", files=files, headers=ANA).json()
    assert sorted(result["updated"]) == sorted([desk.rows[A_PHONE], desk.rows[B_PHONE], desk.rows[C_PHONE]])
    assert result["unmatched"] == ["回传表.csv 第 4 行：“编号”和“电话”列都对不上救援台上的求救，已跳过"]
    assert _status(desk, A_PHONE) == "verified" and _status(desk, B_PHONE) == "unreachable"
    again = desk.post("/desk/import", files=files, headers=ANA).json()
    assert again["updated"] == [] and again["unchanged"] == 3  # never twice
    bad = desk.post("/desk/import", files={"sheet": ("x.xlsx", b"not a workbook", "application/octet-stream")},
                    headers=ANA).json()
    assert bad["updated"] == [] and bad["errors"] and "x.xlsx" in bad["errors"][0] and "/tmp" not in bad["errors"][0]
    assert desk.post("/desk/import", files={"sheet": ("x.txt", b"a", "text/plain")}, headers=ANA).status_code == 400
    assert desk.post("/desk/import", files=files, headers=VIC).status_code == 403
    [event] = audit.find(desk.store, actions=["desk_import"])[:1]
    assert event.who == "ana"


def test_a_multipart_upload_from_a_browser_session_needs_the_token_in_its_header(desk):
    desk.get("/desk?token=t-ana")
    token = _csrf(desk.get("/desk/handover").text)
    files = {"sheet": ("r.csv", f"编号,状态\n{desk.rows[A_PHONE]},已核实\n".encode(), "text/csv")}
    refused = desk.post("/desk/import", files=files, data={"csrf_token": token}, headers=ORIGIN)
    assert refused.status_code == 403 and _status(desk, A_PHONE) == "new"  # a multipart body is not read for it
    done = desk.post("/desk/import", files=files, headers={**ORIGIN, "X-CSRF-Token": token})
    assert done.status_code == 200 and "已更新 1 条" in done.text and _status(desk, A_PHONE) == "verified"


# --- pages --------------------------------------------------------------------------------------------------

def test_pages_render_for_every_role_and_crawled_text_stays_text(desk):
    post(desk.store, "<script>alert(1)</script>听说龙华大桥垮塌，车辆掉进河里<img src=x onerror=alert(2)>", minutes(15),
         harmful=[{"label": "rumor", "score": 0.9}], doc_id="xss")
    for headers in (ANA, VIC, MZU, RES):
        for path in ("/desk", "/desk/rumours", "/desk/review", "/desk/handover", "/desk/team/蓝天救援队",
                     "/desk/team/蓝天救援队/sheet"):
            response = desk.get(path, headers={k: v for k, v in headers.items() if k != "Accept"})
            assert response.status_code == 200, (path, headers)
            assert "<script>alert" not in response.text and "<img src=x" not in response.text, path
    page = desk.get("/desk/rumours", headers={"Authorization": "Bearer t-ana"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_review_page_and_export(desk):
    a_id = desk.rows[A_PHONE]
    board.set_status(desk.store, a_id, "verified", by="ana", now=minutes(20))
    board.set_status(desk.store, a_id, "rescued", by="ana", now=minutes(50))
    page = desk.get("/desk/review", headers={"Authorization": "Bearer t-ana"}).text
    assert "发现求救 <b>4</b> 条" in page and "始终未核实或未联系上" in page
    rows = list(csv.reader(io.StringIO(desk.get("/desk/review.csv", headers=ANA).content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "街道", "状态"]
    mine = next(r for r in rows if r[0] == a_id)
    assert mine[2] == "已救出/已解决" and mine[6] == "20.0" and mine[7] == "50.0"
