"""Every notifier against a real receiver on 127.0.0.1 (HTTP server thread, aiosmtpd)."""
import base64
import email
import hashlib
import hmac
from email import policy

import pytest

from alert_builders import T0
from loopback import CaptureServer, SmtpReceiver
from alerts.notifiers import NOTIFIERS, DeliveryError
from alerts.routing import Route
from yuqing.records import Alert

ROUTE = Route("民治街道应急办", ["值班 张三", "duty@example.org"])


def make_alert(**kw) -> Alert:
    data = dict(id="a1", rule="rescue-request", severity="red", title="求助：某小区3栋被困",
                summary="家中老人被困，电话13800001234", street="民治街道", category="natural_disaster",
                created_at=T0, reasons=["求助信息（紧急度 0.90）"])
    data.update(kw)
    return Alert(**data)


@pytest.fixture
def http():
    with CaptureServer() as server:
        yield server


def build(kind, **opts):
    return NOTIFIERS.get(kind)(f"{kind}-1", opts, timeout=5)


def test_webhook_posts_the_contract_record(http):
    build("webhook", url=http.url + "/hook", headers={"X-Token": "t"}).send(make_alert(), ROUTE, "created")
    req = http.requests[0]
    assert req["path"] == "/hook" and req["headers"]["X-Token"] == "t"
    body = req["json"]
    assert body["event"] == "created" and body["alert"]["id"] == "a1" and body["alert"]["severity"] == "red"
    assert body["route"]["department"] == "民治街道应急办"
    assert set(body["alert"]) >= {"id", "rule", "severity", "title", "summary", "incident_id", "doc_ids", "street",
                                  "category", "created_at", "state", "assignee", "calendar", "similar_cases", "history"}


def test_wecom_markdown_and_mentions(http):
    build("wecom", url=http.url + "/cgi-bin/webhook/send?key=K", mention_mobiles=["13900000000"]).send(
        make_alert(), ROUTE, "created")
    first, second = http.requests
    assert first["query"] == {"key": "K"} and first["json"]["msgtype"] == "markdown"
    content = first["json"]["markdown"]["content"]
    assert "红色" in content and "民治街道应急办" in content
    assert "13800001234" not in content and "138****1234" in content  # phones masked in group chats
    assert second["json"]["text"]["mentioned_mobile_list"] == ["13900000000"]


def test_dingtalk_signed_markdown(http):
    build("dingtalk", url=http.url + "/robot/send?access_token=T", secret="SEC", at_mobiles=["13900000000"]).send(
        make_alert(), ROUTE, "raised")
    req = http.requests[0]
    ts = req["query"]["timestamp"]
    expected = base64.b64encode(hmac.new(b"SEC", f"{ts}\nSEC".encode(), hashlib.sha256).digest()).decode()
    assert req["query"]["sign"] == expected and req["query"]["access_token"] == "T"
    body = req["json"]
    assert body["msgtype"] == "markdown" and "预警升级" in body["markdown"]["text"]
    assert body["at"] == {"atMobiles": ["13900000000"], "isAtAll": False}


def test_feishu_signed_text(http):
    build("feishu", url=http.url + "/open-apis/bot/v2/hook/X", secret="S2").send(make_alert(), ROUTE, "escalated")
    body = http.requests[0]["json"]
    ts = body["timestamp"]
    expected = base64.b64encode(hmac.new(f"{ts}\nS2".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected and body["msg_type"] == "text"
    assert "超时未确认" in body["content"]["text"]


@pytest.mark.parametrize("kind,answer", [("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}),
                                         ("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}),
                                         ("feishu", {"code": 19021, "msg": "sign match fail"})])
def test_robot_refusals_are_delivery_errors(http, kind, answer):
    http.responses["/r"] = (200, answer)
    with pytest.raises(DeliveryError, match="refused"):
        build(kind, url=http.url + "/r").send(make_alert(), ROUTE, "created")


def test_http_error_and_unreachable_are_delivery_errors(http):
    http.responses["/down"] = (503, {})
    with pytest.raises(DeliveryError, match="HTTP 503"):
        build("webhook", url=http.url + "/down").send(make_alert(), ROUTE, "created")
    with pytest.raises(DeliveryError, match="unreachable"):
        build("webhook", url="http://127.0.0.1:9/x").send(make_alert(), ROUTE, "created")


def test_email_over_smtp_to_configured_and_route_addresses():
    with SmtpReceiver() as smtp:
        build("email", host="127.0.0.1", port=smtp.port, sender="yuqing@example.org",
              to=["leader@example.org"]).send(make_alert(), ROUTE, "created")
    mail_from, rcpts, content = smtp.messages[0]
    assert mail_from == "yuqing@example.org" and sorted(rcpts) == ["duty@example.org", "leader@example.org"]
    msg = email.message_from_string(content, policy=policy.default)
    assert "红色" in msg["Subject"] and "138****1234" in msg.get_content()


def test_email_without_server_is_a_delivery_error():
    from loopback import free_port
    with pytest.raises(DeliveryError, match="failed"):
        build("email", host="127.0.0.1", port=free_port(), sender="a@b.c", to=["x@y.z"]).send(
            make_alert(), ROUTE, "created")


def test_notifier_secret_read_from_environment(tmp_path):
    from alerts.delivery import build_notifiers
    from yuqing.config import load_config

    cfg = tmp_path / "config.yaml"
    cfg.write_text("alerts:\n  notifiers:\n    ding:\n      type: dingtalk\n      url: http://127.0.0.1:1/x\n"
                   "      secret: ${DINGTALK_SECRET}\n", encoding="utf-8")
    config = load_config(cfg, environ={"DINGTALK_SECRET": "from-env"})
    assert build_notifiers(config)["ding"].opts["secret"] == "from-env"


def test_notifier_options_are_validated(tmp_path):
    from alerts.delivery import build_notifiers
    from yuqing.config import load_config
    from yuqing.errors import ConfigError

    cfg = tmp_path / "config.yaml"
    cfg.write_text("alerts:\n  notifiers:\n    hook:\n      type: webhook\n      uri: http://x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts.notifiers.hook: key '\(rule\)'|uri|url"):
        build_notifiers(load_config(cfg))
