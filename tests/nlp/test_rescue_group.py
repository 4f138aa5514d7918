"""Grouping rescue requests: reposts, paraphrases, follow-ups, "now safe" posts; `yuqing rescue`."""
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from nlp.rescue_group import group_requests, rule_analysis
from yuqing.records import DEFAULT_TZ, Document

T0 = datetime(2024, 6, 1, 20, 0, tzinfo=DEFAULT_TZ)
POSTS = [
    ("a", 0, "救命！龙华区民治街道白石龙社区锦绣花园3栋被困，一家五口，老人有心脏病，电话13800138000"),
    ("b", 10, "求扩散//@小王:救命！龙华区民治街道白石龙社区锦绣花园3栋被困，一家五口，老人有心脏病，电话13800138000"),
    ("c", 30, "锦绣花园3栋还有人被困，水到胸口了，快派船！联系138 0013 8000"),              # same phone
    ("d", 40, "求救！宝安区西乡街道固戍社区阳光家园5栋2楼，孕妇被困，电话13912345678"),
    ("e", 45, "求救！宝安区西乡街道固戍社区阳光家园5栋2楼有孕妇被困，快生了，需要送医"),     # same address
    ("f", 50, "救命 南山区沙河街道白石洲 两位老人被困楼顶 手机快没电了 15011112222"),
    ("g", 120, "更新：13800138000这家已获救，全部安全，谢谢大家，不用再转了"),             # follow-up
    ("h", 5, "今天雨好大，上班迟到了"),
    ("i", 60, "志愿者招募：民治街道需要20名志愿者，报名请联系13700001111"),
]


def docs():
    return [Document(id=i, text=t, published_at=T0 + timedelta(minutes=m)) for i, m, t in POSTS]


@pytest.fixture(scope="module")
def records():
    items = [(d, rule_analysis(d, now=T0 + timedelta(hours=2))) for d in docs()]
    return group_requests(items)


def by_doc(records, doc_id):
    return next(r for r in records if doc_id in r["doc_ids"])


def test_one_record_per_distinct_request(records):
    assert sorted(sorted(r["doc_ids"]) for r in records) == [["a", "b", "c"], ["d", "e"], ["f"]]


def test_slots_are_merged(records):
    first = by_doc(records, "a")
    assert first["phones"] == ["13800138000"]
    assert first["address"] == "龙华区民治街道白石龙社区锦绣花园3栋"
    assert first["street"] == "民治街道" and first["people_count"] == 5
    assert "elderly" in first["vulnerable"]
    second = by_doc(records, "d")
    assert second["phones"] == ["13912345678"]
    assert set(second["needs"]) >= {"evacuation", "medical"} and second["vulnerable"] == ["pregnant"]


def test_later_safe_post_marks_the_request_instead_of_a_new_one(records):
    first = by_doc(records, "a")
    assert first["status"] == "safe" and first["safe_doc_ids"] == ["g"]
    assert all("g" not in r["doc_ids"] for r in records)
    assert by_doc(records, "d")["status"] == "open"


def test_open_requests_first_most_urgent_first(records):
    assert [r["status"] for r in records] == ["open", "open", "safe"]
    open_ = [r for r in records if r["status"] == "open"]
    assert open_[0]["urgency"] >= open_[1]["urgency"]


def test_contract_fields_and_stable_ids(records):
    for record in records:
        assert set(record) >= {"request_id", "doc_ids", "phones", "address", "street", "people_count",
                               "vulnerable", "needs", "urgency", "status", "safe_doc_ids"}
    again = group_requests([(d, rule_analysis(d, now=T0 + timedelta(hours=2))) for d in reversed(docs())])
    assert {r["request_id"] for r in again} == {r["request_id"] for r in records}


def test_near_identical_text_without_phone_merges():
    texts = ["救命！观澜街道牛湖村后山滑坡，房子被埋了一半，老人出不来，快来人啊",
             "救命！！观澜街道牛湖村后山滑坡，房子被埋了一半，老人出不来，快来人啊！！！"]
    items = [(Document(id=str(i), text=t, published_at=T0 + timedelta(minutes=i)), None) for i, t in enumerate(texts)]
    items = [(d, rule_analysis(d)) for d, _ in items]
    assert [r["doc_ids"] for r in group_requests(items)] == [["0", "1"]]


def test_a_copied_request_template_with_another_phone_and_home_is_another_request():
    template = "急求救援！！！地址：葵涌街道绿景花园{b}栋2507房；人数：3人；情况：老人被困，急需降压药；电话：{p}"
    posts = [Document(id="x1", text=template.format(b=9, p="13594814423"), published_at=T0),
             Document(id="x2", text=template.format(b=11, p="13594814555"), published_at=T0 + timedelta(minutes=1)),
             Document(id="x3", text="//@热心网友: " + template.format(b=9, p="13594814423"),
                      published_at=T0 + timedelta(minutes=2))]
    found = group_requests([(d, rule_analysis(d, now=T0 + timedelta(hours=1))) for d in posts])
    assert sorted(sorted(r["doc_ids"]) for r in found) == [["x1", "x3"], ["x2"]]
    estate = "求助！翠湖山庄的朋友，一家五口被困在楼顶，水还在涨，请救援队联系{who}：{p}"
    posts = [Document(id="y1", text=estate.format(who="彭先生", p="13900000110"), published_at=T0),
             Document(id="y2", text=estate.format(who="李女士", p="13900000578"), published_at=T0 + timedelta(minutes=1))]
    found = group_requests([(d, rule_analysis(d, now=T0 + timedelta(hours=1))) for d in posts])
    assert len(found) == 2  # one estate, two families: neither may hide the other


def test_partial_evacuation_update_keeps_the_request_open():
    first = Document(id="p1", text="求救！坪山区马峦街道沙湖村，两位老人一个小孩被困二楼，水还在涨，电话13711112222",
                     published_at=T0)
    update = Document(id="p2", text="已转移了两位老人，还有一个小孩被困在二楼出不来，快来人，电话13711112222",
                      published_at=T0 + timedelta(minutes=30))
    records = group_requests([(d, rule_analysis(d)) for d in (first, update)])
    assert len(records) == 1 and records[0]["doc_ids"] == ["p1", "p2"] and records[0]["status"] == "open"


def test_safe_post_about_nothing_known_is_dropped():
    doc = Document(id="x", text="已安全，谢谢大家", published_at=T0)
    assert group_requests([(doc, rule_analysis(doc))]) == []


# --- the command ---------------------------------------------------------------------------------

def yuqing(*args, cwd):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, "-m", "yuqing", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd, env=env)


def test_yuqing_rescue_command(tmp_path):
    path = tmp_path / "docs.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for doc in docs():
            handle.write(doc.to_json() + "\n")
        handle.write("not json\n")
        handle.write(json.dumps({"id": "no-text", "published_at": "2024-06-01T20:00:00+08:00"}) + "\n")
    out = tmp_path / "requests.jsonl"
    result = yuqing("rescue", "--input", str(path), "--output", str(out), "--rules",
                    "-s", f"store.path={tmp_path / 's.sqlite'}", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "docs.jsonl line 10: not valid JSON" in result.stderr
    assert "line 11: field 'text'" in result.stderr
    assert "rule extractors" in result.stderr and "Traceback" not in result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(sorted(r["doc_ids"]) for r in lines) == [["a", "b", "c"], ["d", "e"], ["f"]]


def test_yuqing_rescue_clean_input_exit_0_and_stdout(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text(docs()[0].to_json() + "\n", encoding="utf-8")
    result = yuqing("rescue", "--input", str(path), "--output", "-", "--rules", "-q",
                    "-s", f"store.path={tmp_path / 's.sqlite'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["doc_ids"] == ["a"]
