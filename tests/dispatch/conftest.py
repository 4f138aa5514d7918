"""Fixtures of the 报送 tests: a routing table with real loopback receivers, an acknowledged alert,
and the web UI served over real HTTP (uvicorn on a free port)."""
from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "alerts"))  # loopback receivers
from loopback import CaptureServer, SmtpReceiver, free_port  # noqa: E402

from yuqing.records import DEFAULT_TZ, Alert, AlertChange, Document  # noqa: E402

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=DEFAULT_TZ)
PHONE = "13812345678"
DEPT = "民治街道城管科"
OFFICE = "民治街道办"
DISTRICT = "龙华区应急管理局"
RESCUE = "民治街道救援队"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def receivers():
    """(SMTP receiver, HTTP capture server), both on 127.0.0.1."""
    with SmtpReceiver() as smtp, CaptureServer() as http:
        yield smtp, http


@pytest.fixture
def write_config(tmp_path, receivers):
    """``write_config(**dispatch_settings)`` → (config, path): the routing table of these tests.

    城管科 is mailed (its contact), its superior 街道办 gets the webhook, whose superior is the
    district bureau (webhook too); the rescue team may see personal data.
    """
    from yuqing.config import load_config

    smtp, http = receivers

    def write(web_port=None, **dispatch):
        settings = {
            "store": {"path": str(tmp_path / "store.sqlite")},
            "web": {"users": {"ana": {"role": "analyst", "token": "t-ana"},
                              "vic": {"role": "viewer", "token": "t-vic"}},
                    "port": web_port or free_port()},
            "alerts": {"notifiers": {"mail": {"type": "email", "host": "127.0.0.1", "port": smtp.port,
                                              "sender": "yuqing@example.org"},
                                     "hook": {"type": "webhook", "url": f"{http.url}/hook"}},
                       "routing": [
                           {"streets": ["民治街道"], "categories": ["environment"], "department": DEPT,
                            "contacts": ["cgk@example.org"], "notifiers": ["mail"], "superior": OFFICE},
                           {"department": OFFICE, "streets": ["民治街道"], "notifiers": ["hook"],
                            "superior": DISTRICT},
                           {"department": DISTRICT, "notifiers": ["hook"]},
                           {"department": RESCUE, "notifiers": ["hook"], "personal_data": True}],
                       "delivery_timeout_seconds": 5},
            "dispatch": {"attachments_dir": str(tmp_path / "files"), **dispatch},
        }
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
        return load_config(path, environ={}), path
    return write


def put_alert(store, alert_id="a1", *, severity="red", street="民治街道", state="acknowledged", at=T0) -> Alert:
    """An alert (acknowledged by default) with one document holding a phone number."""
    store.put_documents([Document(id=f"{alert_id}-d1", title="小区垃圾站恶臭", source="forum",
                                  text=f"民治街道某小区垃圾站恶臭多日，联系电话{PHONE}",
                                  published_at=at - timedelta(hours=1))])
    history = [] if state == "new" else [AlertChange.model_validate(
        {"who": "ana", "when": at, "from": "new", "to": "acknowledged", "note": "已核实"})]
    alert = Alert(id=alert_id, rule="keyword", severity=severity, title="垃圾站恶臭投诉集中",
                  summary=f"居民反映垃圾站恶臭，联系电话{PHONE}", doc_ids=[f"{alert_id}-d1"], street=street,
                  category="environment", created_at=at - timedelta(minutes=30), state=state, history=history)
    store.put_records("alerts", [alert])
    store.flush()
    return alert


class LiveWeb:
    """The real web app (create_app) served by uvicorn on the config's port, in a thread."""

    def __init__(self, config, store) -> None:
        from yuqing.app.web.server import WebServer

        self.server = WebServer(config, store)
        self.url = f"http://127.0.0.1:{config['web.port']}"

    def __enter__(self):
        self.server.start()
        assert self.server.server.started, "the web server did not start"
        return self

    def __exit__(self, *exc):
        self.server.stop()


def mail_link(smtp, index=-1) -> tuple[list[str], str, str]:
    """(recipients, subject + body, the signed link) of a received mail."""
    import email
    import email.policy
    import re

    _from, rcpt, content = smtp.messages[index]
    message = email.message_from_string(content, policy=email.policy.default)
    body = message.get_body().get_content()
    found = re.search(r"https?://[\w.:]+/dept/bs[a-p]{20}\?sig=[a-p]{40}", body)
    return rcpt, f"{message['Subject']}\n{body}", found.group(0) if found else ""
