"""``yuqing desk …`` and ``yuqing replay`` as users run them (subprocess, output to a pipe), on SQLite."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from openpyxl import Workbook, load_workbook

from conftest import minutes, post, rescue_slots, rows

from desk.handover import COLUMNS
from governance import audit
from yuqing.storage.sqlite import SQLiteStore

A_PHONE, B_PHONE = "13800001111", "13900002222"


@pytest.fixture
def store(sqlite_store):
    return sqlite_store


def yuqing(store, *args):
    return subprocess.run([sys.executable, "-m", "yuqing", *args, "-s", f"store.path={store.path}"],
                          capture_output=True, text=True, timeout=600, env=dict(os.environ, PYTHONUNBUFFERED="1"))


@pytest.fixture
def board_of_two(store, cycle):
    a = post(store, "民治街道碧水龙庭3栋被困，两位老人，急需救援，电话13800001111", minutes(0), doc_id="pa",
             rescue=rescue_slots(A_PHONE, "民治街道碧水龙庭3栋", urgency=0.9), url="https://weibo.example/pa",
             author="碧水龙庭业主")
    b = post(store, "观澜街道桂花苑5栋地下室进水，三人被困求救，电话13900002222", minutes(1), doc_id="pb",
             rescue=rescue_slots(B_PHONE, "观澜街道桂花苑5栋", urgency=0.7), street="观澜街道")
    cycle(minutes(2))
    by_phone = {r["phones"][0]: r["id"] for r in rows(store).values()}
    return by_phone[A_PHONE], by_phone[B_PHONE], a, b


def lines(result):
    assert result.returncode == 0, result.stderr
    return [json.loads(x) for x in result.stdout.splitlines()]


def test_list_set_and_claim(store, board_of_two):
    a_id, b_id, a, _b = board_of_two
    listed = lines(yuqing(store, "desk", "list", "--format", "json"))
    assert [r["request_id"] for r in listed] == [a_id, b_id]  # most urgent first
    first = listed[0]
    for key in ("request_id", "doc_ids", "phones", "address", "street", "people_count", "vulnerable", "needs",
                "urgency", "status", "assignee", "updated_at"):
        assert key in first
    assert first["doc_ids"] == [a.id] and first["phones"] == [A_PHONE] and first["status"] == "new"

    done = yuqing(store, "desk", "set", a_id, "已核实", "--note", "电话打通，在三楼", "--by", "王敏")
    assert done.returncode == 0, done.stderr
    assert "已核实" in done.stdout
    assert yuqing(store, "desk", "claim", b_id, "--by", "李强").returncode == 0
    refused = yuqing(store, "desk", "claim", b_id, "--by", "王敏")
    assert refused.returncode == 1 and "claimed by 李强" in refused.stderr and "Traceback" not in refused.stderr

    [verified] = lines(yuqing(store, "desk", "list", "--status", "verified", "--format", "json"))
    assert verified["request_id"] == a_id and verified["verified_by"] == "王敏"
    assert verified["notes"] == ["电话打通，在三楼"]
    [new] = lines(yuqing(store, "desk", "list", "--status", "待核实", "--format", "json"))
    assert new["request_id"] == b_id and new["claimed_by"] == "李强"

    missing = yuqing(store, "desk", "set", "no-such-id", "verified", "--by", "王敏")
    assert missing.returncode == 1 and "'no-such-id'" in missing.stderr
    bad = yuqing(store, "desk", "set", a_id, "finished", "--by", "王敏")
    assert bad.returncode == 2 and "unknown status 'finished'" in bad.stderr
    wrong = yuqing(store, "desk", "set", a_id, "new", "--by", "王敏", "--version", "stale-version")
    assert wrong.returncode == 1 and "changed by someone else" in wrong.stderr
    assert rows(store)[a_id]["status"] == "verified"


def test_list_marks_rows_that_give_one_phone_until_they_are_merged(store, board_of_two, cycle):
    a_id, b_id, _a, _b = board_of_two
    post(store, f"碧水龙庭和桂花苑都有人被困，联系{A_PHONE}或{B_PHONE}", minutes(3), doc_id="bridge",
         rescue={**rescue_slots(A_PHONE, "民治街道碧水龙庭3栋"), "phones": [A_PHONE, B_PHONE]})
    cycle(minutes(4))
    listed = {r["request_id"]: r for r in lines(yuqing(store, "desk", "list", "--format", "json"))}
    assert listed[a_id]["same_phone"] == [b_id] and listed[b_id]["same_phone"] == [a_id]
    text = yuqing(store, "desk", "list")
    assert text.returncode == 0, text.stderr
    marks = {line.split()[0]: line for line in text.stdout.splitlines()}
    assert marks[a_id].endswith(f"同号(可能重复):{b_id}") and marks[b_id].endswith(f"同号(可能重复):{a_id}")
    assert yuqing(store, "desk", "merge", a_id, b_id, "--by", "王敏").returncode == 0
    listed = {r["request_id"]: r for r in lines(yuqing(store, "desk", "list", "--format", "json"))}
    assert listed[a_id]["same_phone"] == [] and "同号" not in yuqing(store, "desk", "list").stdout


def test_export_xlsx_reads_back_and_is_audited(store, board_of_two, tmp_path):
    a_id, b_id, _a, _b = board_of_two
    out = tmp_path / "交接.xlsx"
    done = yuqing(store, "desk", "export", "--output", str(out), "--by", "王敏")
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(out).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert tuple(values[0]) == COLUMNS
    body = {r[0]: dict(zip(COLUMNS, r)) for r in values[1:]}
    assert set(body) == {a_id, b_id}
    assert body[a_id]["电话"] == A_PHONE and body[a_id]["地址"] == "民治街道碧水龙庭3栋"  # in full
    assert body[a_id]["状态"] == "待核实" and body[a_id]["原帖链接"] == "https://weibo.example/pa"
    assert body[a_id]["联系人"] == "碧水龙庭业主" and body[a_id]["重点人群"] == "老人" and body[a_id]["需求"] == "转移"
    assert body[b_id]["街道"] == "观澜街道" and body[a_id]["时间"] == "2021-07-20 17:02"
    [event] = audit.find(store, actions=["export"])
    assert event.who == "王敏" and "2 条" in event.detail and A_PHONE not in event.detail

    only = tmp_path / "open.csv"
    assert yuqing(store, "desk", "export", "--output", str(only), "--status", "verified", "--by", "王敏").returncode == 0
    assert only.read_text(encoding="utf-8-sig").splitlines() == [",".join(COLUMNS)]


def test_import_a_sheet_changes_two_statuses_and_reports_the_bad_rows(store, board_of_two, tmp_path):
    a_id, b_id, _a, _b = board_of_two
    book = Workbook()
    sheet = book.active
    sheet.title = "回传"
    sheet.append(["编号", "电话", "状态", "核实人", "备注"])
    sheet.append([a_id, "", "已救出", "赵队", "4人已转移到学校"])
    sheet.append(["", f"{B_PHONE}（机主）", "无法联系", "", "三次未接通"])
    sheet.append([a_id, "", "搞定了", "", ""])
    sheet.append(["rescue-unknown", "", "已核实", "", ""])
    path = tmp_path / "回传.xlsx"
    book.save(path)
    done = yuqing(store, "desk", "import", str(path), "--by", "王敏")
    assert done.returncode == 1, done.stderr
    assert "回传.xlsx sheet 回传 row 4: field 状态" in done.stderr and "搞定了" in done.stderr
    assert "row 5: field 编号" in done.stderr and "更新 2 条" in done.stderr
    found = rows(store)
    assert len(found) == 2  # matched, never duplicated
    assert found[a_id]["status"] == "rescued" and found[a_id]["verified_by"] == "赵队"
    assert found[a_id]["notes"][-1]["text"] == "4人已转移到学校"
    assert found[b_id]["status"] == "unreachable"

    again = yuqing(store, "desk", "import", str(path), "--by", "王敏", "--format", "json")
    summary = json.loads(again.stdout.splitlines()[-1])
    assert summary["updated"] == 0 and summary["unchanged"] == 2 and summary["errors"] == 2
    assert len(rows(store)[a_id]["history"]) == len(found[a_id]["history"])

    csv_path = tmp_path / "回传.csv"
    csv_path.write_text(f"编号,状态\n{b_id},已报平安\n", encoding="utf-8")
    assert yuqing(store, "desk", "import", str(csv_path), "--by", "王敏").returncode == 0
    assert rows(store)[b_id]["status"] == "safe"


def test_storm_switch_is_kept_and_audited(store):
    on = yuqing(store, "desk", "storm", "on", "--by", "王敏", "--note", "红色暴雨预警", "--format", "json")
    assert on.returncode == 0, on.stderr
    assert json.loads(on.stdout)["on"] is True
    status = yuqing(store, "desk", "storm", "status", "--format", "json")
    assert json.loads(status.stdout)["by"] == "王敏"
    assert yuqing(store, "desk", "storm", "off", "--by", "王敏").returncode == 0
    assert [e.detail for e in audit.find(store, actions=["desk_storm"])] == ["关闭应急（暴雨）模式",
                                                                             "开启应急（暴雨）模式：红色暴雨预警"]


HELP = "民治街道碧水龙庭3栋被困，家里有两位老人和一个婴儿，水已经淹到一楼，急需救援，电话13800001111"
LATER = "观澜街道桂花苑地下车库被淹，三人被困，求救，电话13900002222"
SAFE = "更新：碧水龙庭3栋的老人和婴儿已获救，勿再转，谢谢大家！电话13800001111"


def test_replay_plays_an_event_onto_the_board_and_the_review_reports_it(tmp_path):
    docs = tmp_path / "storm.jsonl"
    posts = [("help", HELP, "2021-07-20T17:30:00+08:00"), ("later", LATER, "2021-07-20T17:40:00+08:00"),
             ("safe", SAFE, "2021-07-20T18:20:00+08:00")]
    docs.write_text("".join(json.dumps({"id": i, "text": t, "published_at": p, "source": "weibo",
                                        "url": f"https://weibo.example/{i}"}, ensure_ascii=False) + "\n"
                            for i, t, p in posts) + "not json\n", encoding="utf-8")
    path = tmp_path / "drill.sqlite"
    with SQLiteStore(path) as drill:
        pass
    store = drill
    done = yuqing(store, "replay", str(docs), "--speed", "100000", "--step", "600", "--format", "json")
    assert done.returncode == 1 and "storm.jsonl line 4" in done.stderr  # the bad line, the rest replayed
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["posts"] == 3 and summary["cycles"] >= 2
    listed = lines(yuqing(store, "desk", "list", "--format", "json"))
    by_doc = {r["doc_ids"][0]: r for r in listed}
    assert set(by_doc) == {"help", "later"}  # two rows: the update joins the row it speaks of
    # the posts the board shows, as the summary counts them. The tuned top of 2026-12-03 reads this
    # "已获救" update (with the phone of its request) as a request, so it is one of the row's posts as
    # well as its follow-up; the models of 12-02 did not (a false positive, in the README's limitations)
    on_board = {d for r in listed for d in r["doc_ids"]}
    assert {"help", "later"} <= on_board <= {"help", "later", "safe"}
    assert summary["requests_on_board"] == len(on_board)
    assert by_doc["help"]["status"] == "safe" and by_doc["later"]["status"] == "new"
    # the rows were seen on the replay clock, not today
    assert by_doc["later"]["first_seen"].startswith("2021-07-20T17:4")

    assert yuqing(store, "desk", "set", by_doc["later"]["request_id"], "verified", "--by", "王敏").returncode == 0
    review = yuqing(store, "desk", "review", "--format", "json")
    result = json.loads(review.stdout)
    assert result["requests"] == 2 and result["by_status"] == {"safe": 1, "verified": 1}
    assert result["minutes_to_first_sight"]["count"] == 2 and result["minutes_to_first_sight"]["max"] <= 10
    assert result["minutes_to_rescue"]["count"] == 1
    assert result["never_reached"] == []
