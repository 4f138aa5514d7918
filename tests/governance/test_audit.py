"""The audit log on both stores: append-only, masked, and read back by ``yuqing audit`` as users run it."""
import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from governance import audit
from yuqing.records import Alert, now

PHONE, MASKED = "13812345678", "138****5678"


def yuqing(store, tmp_path, *args):
    settings = ["-s", f"store.path={tmp_path / 'cli' / 'store.sqlite'}"]
    if store.name == "sqlite":
        settings = ["-s", f"store.path={store.path}"]
    else:
        settings += ["-s", "store.backend=elasticsearch", "-s", f"store.elasticsearch.hosts=[{store.hosts[0]}]",
                     "-s", f"store.elasticsearch.index_prefix={store.prefix}"]
    return subprocess.run([sys.executable, "-m", "yuqing", *args, *settings], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def fill(store):
    start = now() - timedelta(days=10)
    audit.append(store, "sign_in", who="ana", role="analyst", client="10.0.0.5", when=start, target_kind="session")
    audit.append(store, "view_personal_data", who="ana", role="analyst", client="10.0.0.5", target_kind="search",
                 detail=f"检索「{PHONE}」：d1", when=start + timedelta(days=8))
    audit.append(store, "state_change", who="bob", role="responder", target_kind="alerts", target_id="a1",
                 detail="new → acknowledged", when=start + timedelta(days=9))
    audit.append(store, "sign_in_failed", who="anonymous", client="10.0.0.9", detail="无效令牌 (invalid token in the header)")
    store.flush()


def test_events_are_masked_unique_and_found_newest_first(store):
    fill(store)
    when = now()
    ids = {audit.append(store, "export", who="ana", when=when).id for _ in range(30)}  # same instant, 30 ids
    assert len(ids) == 30
    store.flush()
    found = audit.find(store, limit=100)
    assert [e.action for e in found[30:]] == ["sign_in_failed", "state_change", "view_personal_data", "sign_in"]
    assert all(PHONE not in e.model_dump_json() for e in found)
    assert MASKED in found[32].detail
    assert [e.action for e in audit.find(store, who="ana", actions=["sign_in", "view_personal_data"])] == [
        "view_personal_data", "sign_in"]
    assert [e.action for e in audit.find(store, since=now() - timedelta(days=3), actions=["state_change",
                                                                                         "sign_in"])] == ["state_change"]


def test_the_module_offers_no_way_to_change_or_remove_an_event(store):
    event = audit.append(store, "sign_in", who="ana")
    assert not [name for name in dir(audit) if name.startswith(("update", "delete", "remove", "edit", "put"))]
    from yuqing.errors import ConflictError
    with pytest.raises(ConflictError):  # appending is create-only: an id is never written twice
        store.update_record(audit.KIND, event.model_copy(update={"detail": "rewritten"}), None)
    store.flush()
    assert audit.find(store)[0].detail == ""


def test_yuqing_audit_lists_filters_and_prints_json(store, tmp_path):
    fill(store)
    table = yuqing(store, tmp_path, "audit")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "操作" in lines[0] and len(lines) == 5
    assert ["登录失败" in lines[1], "预警状态变更" in lines[2], "查看个人信息" in lines[3], "登录" in lines[4]] == [True] * 4
    assert "预警 a1" in lines[2] and "10.0.0.5" in lines[3] and PHONE not in table.stdout and MASKED in table.stdout
    data = yuqing(store, tmp_path, "audit", "--format", "json", "--user", "ana")
    events = [json.loads(line) for line in data.stdout.splitlines()]
    assert [e["action"] for e in events] == ["view_personal_data", "sign_in"]
    assert set(events[0]) >= {"id", "when", "who", "role", "action", "target_kind", "target_id", "client", "detail"}
    recent = yuqing(store, tmp_path, "audit", "--since", "3d", "--action", "state_change", "--action", "sign_in",
                    "--format", "json")
    assert [json.loads(line)["who"] for line in recent.stdout.splitlines()] == ["bob"]
    day = (now() - timedelta(days=5)).strftime("%Y-%m-%d")
    assert len(yuqing(store, tmp_path, "audit", "--since", day, "--limit", "2", "--format", "json")
               .stdout.splitlines()) == 2
    bad = yuqing(store, tmp_path, "audit", "--since", "last tuesday")
    assert bad.returncode == 2 and "--since 'last tuesday'" in bad.stderr and "Traceback" not in bad.stderr
    nothing = yuqing(store, tmp_path, "audit", "--user", "nobody")
    assert nothing.returncode == 0 and "没有符合条件的审计记录" in nothing.stdout


def test_a_state_change_from_the_command_line_is_audited(store, tmp_path):
    store.put_records("alerts", [Alert(id="a1", rule="keyword", severity="red", title="积水",
                                       created_at="2023-09-07T20:20:00+08:00")])
    store.flush()
    done = yuqing(store, tmp_path, "alerts", "ack", "a1", "--by", "bob", "--note", f"回电{PHONE}")
    assert done.returncode == 0, done.stderr
    store.flush()
    [event] = audit.find(store, actions=["state_change"])
    assert (event.who, event.target_id, event.client) == ("bob", "a1", "command line")
    assert event.detail == f"new → acknowledged，备注：回电{MASKED}"
