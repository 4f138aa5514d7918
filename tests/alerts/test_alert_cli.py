"""``yuqing alerts`` end to end on the embedded store: list/show/act, exit codes, test-rule."""
import json
from datetime import timedelta

import pytest

from alert_builders import T0, analysis, doc
from yuqing.app.cli import main
from yuqing.records import Alert


@pytest.fixture
def cli(make_config, tmp_path, capsys):
    config = make_config([{"name": "kw", "type": "keyword", "options": {"words": ["堵路"]}}])
    from yuqing.storage.sqlite import SQLiteStore

    with SQLiteStore(config["store.path"]) as s:
        for i, (sev, state, street) in enumerate([("red", "new", "民治街道"), ("yellow", "new", "大浪街道"),
                                                  ("orange", "resolved", "民治街道")]):
            s.update_record("alerts", Alert(id=f"a{i}", rule="kw", severity=sev, state=state, street=street,
                                            title=f"预警{i}", created_at=T0 + timedelta(minutes=i),
                                            dedup_key=f"kw:{i}"), None)

    def run(*argv):
        code = main(["alerts", *argv, "--config", str(tmp_path / "config.yaml")])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_list_json_is_contract_jsonl_with_filters(cli):
    code, out, _ = cli("list", "--format", "json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [a["id"] for a in lines] == ["a2", "a1", "a0"]  # newest first
    assert set(lines[0]) >= {"id", "rule", "severity", "title", "summary", "incident_id", "doc_ids", "street",
                             "category", "created_at", "state", "assignee", "calendar", "similar_cases", "history"}
    assert [a["id"] for a in map(json.loads, cli("list", "--format", "json", "--state", "new")[1].splitlines())] == ["a1", "a0"]
    assert [json.loads(x)["id"] for x in cli("list", "--format", "json", "--severity", "red")[1].splitlines()] == ["a0"]
    out = cli("list", "--format", "json", "--street", "民治街道", "--open")[1]
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["a0"]


def test_actions_and_show(cli):
    code, out, _ = cli("ack", "a0", "--by", "张三", "--note", "收到")
    assert code == 0 and "new → acknowledged" in out
    assert cli("dispatch", "a0", "--by", "张三", "--assignee", "网格员王五")[0] == 0
    assert cli("resolve", "a0", "--by", "李四", "--note", "已处置")[0] == 0
    assert cli("duplicate", "a1", "--by", "张三", "--of", "a0")[0] == 0
    shown = json.loads(cli("show", "a0")[1])
    assert shown["state"] == "resolved" and shown["assignee"] == "网格员王五"
    assert [h["to"] for h in shown["history"]] == ["acknowledged", "dispatched", "resolved"]
    assert shown["deliveries"] == []


def test_illegal_action_and_unknown_id_exit_1_with_a_sentence(cli):
    code, _, err = cli("resolve", "a1", "--by", "x")
    assert code == 1 and "cannot be resolved directly" in err and "Traceback" not in err
    code, _, err = cli("show", "nope")
    assert code == 1 and "no alert with id 'nope'" in err
    with pytest.raises(SystemExit) as exc:  # --by missing: misuse, argparse's exit 2
        cli("dismiss", "a1")
    assert exc.value.code == 2


def test_test_rule_prints_what_it_would_raise(cli, tmp_path):
    docs = tmp_path / "docs.jsonl"
    lines = [doc("明天一起去堵路", T0).model_dump_json(), doc("天气晴", T0).model_dump_json(), "{bad json"]
    docs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = cli("test-rule", "kw", "--data", str(docs), "--format", "json", "--no-analyze")
    found = [json.loads(x) for x in out.splitlines()]
    assert code == 1 and "docs.jsonl line 3" in err  # the bad line is reported, the rest evaluated
    assert len(found) == 1 and found[0]["rule"] == "kw" and found[0]["severity"] == "yellow"


def test_test_rule_with_a_rule_file_and_analyses(cli, tmp_path):
    rule = tmp_path / "harm.yaml"
    rule.write_text("name: harm\ntype: harmful_info\noptions: {min_score: 0.5}\n", encoding="utf-8")
    d = doc("冒充救援队收费", T0)
    (tmp_path / "d.jsonl").write_text(d.model_dump_json() + "\n", encoding="utf-8")
    a = analysis(d.id, harmful=[{"label": "fraud", "score": 0.9}])
    (tmp_path / "a.jsonl").write_text(a.model_dump_json() + "\n", encoding="utf-8")
    code, out, _ = cli("test-rule", str(rule), "--data", str(tmp_path / "d.jsonl"), "--analyses",
                       str(tmp_path / "a.jsonl"))
    assert code == 0 and "疑似诈骗" in out and "1 alert(s) from 1 document(s)" in out
    code, _, err = cli("test-rule", "no-such-rule", "--data", str(tmp_path / "d.jsonl"))
    assert code == 2 and "no rule named 'no-such-rule'" in err
