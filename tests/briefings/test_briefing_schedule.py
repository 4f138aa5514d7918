"""The scheduled daily report: written at briefings.daily_at, mailed with its PDF to a loopback SMTP
receiver, a short text to a chat robot, sent once, retried when a notifier failed."""
import email
import subprocess
import sys
from datetime import datetime
from email import policy
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "alerts"))
from loopback import CaptureServer, SmtpReceiver, free_port  # noqa: E402
from story import ADDRESS, PHONE, fill  # noqa: E402

from briefings.schedule import BriefingStage  # noqa: E402
from yuqing.config import load_config  # noqa: E402
from yuqing.records import DEFAULT_TZ  # noqa: E402
from yuqing.storage.sqlite import SQLiteStore  # noqa: E402

NEXT_MORNING = datetime(2026, 7, 21, 8, 5, tzinfo=DEFAULT_TZ)


def make_config(tmp_path, smtp_port, robot_url, **briefings):
    data = {"store": {"path": str(tmp_path / "store.sqlite")},
            "cases": {"search_mode": "lexical"},
            "alerts": {"notifiers": {
                "mail": {"type": "email", "host": "127.0.0.1", "port": smtp_port, "sender": "yuqing@example.org",
                         "to": ["office@example.org"]},
                "robot": {"type": "wecom", "url": robot_url}},
                "routing": [{"streets": ["民治街道"], "department": "民治街道应急办",
                             "contacts": ["值班 张三", "minzhi@example.org"]}]},
            "briefings": {"daily_at": "08:00", "folder": str(tmp_path / "briefings"), **briefings}}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path)


@pytest.fixture
def store(tmp_path):
    with SQLiteStore(tmp_path / "store.sqlite") as store:
        fill(store)
        yield store


def test_daily_report_is_mailed_with_its_pdf_and_sent_once(tmp_path, store):
    with SmtpReceiver() as smtp, CaptureServer() as robot:
        config = make_config(tmp_path, smtp.port, robot.url + "/wecom", streets=["民治街道"])
        stage = BriefingStage.from_config(config, store)
        early = stage.run_once(at=NEXT_MORNING.replace(hour=7, minute=59))
        assert early.processed == 0 and not smtp.messages  # not before 08:00
        done = stage.run_once(at=NEXT_MORNING)
        assert done.processed == 1 and done.errors == 0, done.detail
        again = stage.run_once(at=NEXT_MORNING.replace(hour=9))
        assert again.processed == 0  # delivered once, not at every check
    [(sender, recipients, content)] = smtp.messages
    assert sender == "yuqing@example.org"
    assert sorted(recipients) == ["minzhi@example.org", "office@example.org"]  # `to` and the street's route
    message = email.message_from_string(content, policy=policy.default)
    assert "民治街道舆情日报" in message["Subject"] and "2026年7月20日" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "新发事件 1 起" in body and PHONE not in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    pdf = tmp_path / "attached.pdf"
    pdf.write_bytes(attachment.get_content())
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert "民治街道舆情日报" in text and "重点事件1：民治街道暴雨内涝积水" in text
    assert PHONE not in text and ADDRESS not in text
    [chat] = robot.requests
    assert chat["path"] == "/wecom" and "民治街道舆情日报" in chat["json"]["text"]["content"]
    kept = store.get_record("briefings", "daily-2026-07-20-" + kept_scope(store))
    assert kept.delivered and Path(kept.files["pdf"]).exists() and Path(kept.files["html"]).exists()
    assert kept.deliveries == {"mail": "sent", "robot": "sent"}
    [event] = [e for e in store.find_records("audit_events") if e.action == "export"]
    assert event.who == "system" and event.target_id == kept.id and "mail、robot" in event.detail


def kept_scope(store):
    [record] = store.find_records("briefings")
    return record.id.rsplit("-", 1)[1]


def test_a_failed_delivery_is_tried_again_at_the_next_check(tmp_path, store):
    port = free_port()
    with CaptureServer() as robot:
        config = make_config(tmp_path, port, robot.url + "/wecom")
        stage = BriefingStage.from_config(config, store)
        failed = stage.run_once(at=NEXT_MORNING)  # no SMTP server yet
        assert failed.errors == 1 and len(robot.requests) == 1
        [record] = store.find_records("briefings")
        assert not record.delivered and record.deliveries["robot"] == "sent"
        assert record.deliveries["mail"].startswith("failed")
        smtp = SmtpReceiver()
        smtp.port = port
        from aiosmtpd.controller import Controller
        smtp.controller = Controller(smtp.controller.handler, hostname="127.0.0.1", port=port)
        with smtp:
            retried = stage.run_once(at=NEXT_MORNING.replace(hour=8, minute=10))
        assert retried.processed == 1 and retried.errors == 0
        assert len(smtp.messages) == 1 and len(robot.requests) == 1  # the robot, already served, is not sent twice
        assert store.find_records("briefings")[0].delivered


def test_the_service_schedules_the_job_only_when_daily_at_is_set(tmp_path, store):
    from yuqing.app.scheduler import Service

    off = load_config(None, [f"store.path={tmp_path / 'store.sqlite'}"])
    assert "briefings" not in Service(off, store, crawl=False).discover()
    on = load_config(None, [f"store.path={tmp_path / 'store.sqlite'}", "briefings.daily_at=08:00"])
    assert "briefings" in Service(on, store, crawl=False).discover()
    from yuqing.errors import ConfigError
    with pytest.raises(ConfigError, match="HH:MM"):
        load_config(None, ["briefings.daily_at=8am"])
