"""Every notifier against a real receiver on 127.0.0.1 (HTTP server thread, aiosmtpd)."""
import base64
import json
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
    # phones masked in group chats (the mask's stars are literal, full-width, in markdown)
    assert "13800001234" not in content and "138＊＊＊＊1234" in content
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


# --- hostile crawled text, masking, secrets, SMTP without TLS (security review, issue 13) ---------

HOSTILE_TITLE = ("[点我](http://evil.example/x) ![图](http://evil.example/p.png) <font color=red>紧急</font> "
                 "@所有人 <at user_id=\"all\">所有人</at> **粗** _斜_ `代码` ~~删~~ |表|")
HOSTILE_SUMMARY = "正文\n\n# 假通知\n- 列表\n+ 列表\n1. 第一\n> 引用\n---\n<@zhangsan> &lt;b&gt; 电话13800001234"
#: markup a chat client would render if crawled text reached it as it is
MARKUP = ("[点我](", "](http", "![", "<font", "</font>", "<at", "@所有人", "**粗**", "_斜_", "`代码`", "~~",
          "|表|", "<@", "&lt;", "\\")
LABELS = ("**【", "【", "街道：", "责任部门：", "状态：", "依据：", "摘要：", "时间窗口：", "相似案例：", "@13900000000")


def hostile_alert() -> Alert:
    return make_alert(title=HOSTILE_TITLE, summary=HOSTILE_SUMMARY, street="民治街道<b>",
                      reasons=["[理由](javascript:alert(1))", "# 标题"], calendar=["春节*前后*"],
                      similar_cases=[{"case_id": "[c1](http://evil.example)", "score": 0.8}])


def chat_text(kind: str, body: dict) -> str:
    return {"wecom": lambda: body["markdown"]["content"], "dingtalk": lambda: body["markdown"]["text"],
            "feishu": lambda: body["content"]["text"]}[kind]()


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_chat_notifiers_deliver_crawled_text_as_literal_text(http, kind):
    extra = {"at_mobiles": ["13900000000"]} if kind == "dingtalk" else {}
    build(kind, url=http.url + "/robot", **extra).send(hostile_alert(), ROUTE, "created")
    body = http.requests[0]["json"]
    text = chat_text(kind, body)
    for markup in MARKUP:
        assert markup not in text, (markup, text)
    # every line is one the notifier wrote: crawled line breaks cannot start a heading, list or quote
    assert all(line.startswith(LABELS) for line in text.split("\n") if line), text
    # the words arrive, readable, as full-width look-alikes no renderer parses
    for literal in ("［点我］（http://evil.example/x）", "＜font color=red＞紧急＜/font＞", "＠所有人", "＊＊粗＊＊",
                    "＃ 假通知", "民治街道＜b＞", "［理由］（javascript:alert（1））", "春节＊前后＊", "［c1］"):
        assert literal in text, (literal, text)
    assert "13800001234" not in text and "138＊＊＊＊1234" in text
    if kind != "feishu":  # the notifier's own markdown is kept
        assert text.startswith("**【红色")
    if kind == "dingtalk":
        title = body["markdown"]["title"]
        assert "[" not in title and "<" not in title and "\n" not in title and title.startswith("［点我］")
        assert body["at"] == {"atMobiles": ["13900000000"], "isAtAll": False}


def test_webhook_masks_every_field_even_analysts_notes(http):
    alert = make_alert(
        title="求助：陈先生13800001234", assignee="李四 13911112222",
        calendar=["身份证440301199001011234的当事人"], incident_id="inc-1", doc_ids=["d-13800001234"],
        history=[{"who": "王五", "when": T0, "from": None, "to": "new", "note": "已电话13800001234联系",
                  "extra": {"nested": ["回拨 139-1111-3333", {"card": "6222021234567890123"}]}}])
    build("webhook", url=http.url + "/hook").send(alert, Route("应急办", ["值班 13700001111"]), "created")
    body = http.requests[0]["json"]
    raw = json.dumps(body, ensure_ascii=False)
    for secret in ("13800001234", "13911112222", "1391111", "440301199001011234", "6222021234567890123",
                   "13700001111"):
        assert secret not in raw.replace("d-13800001234", ""), (secret, raw)
    assert body["alert"]["history"][0]["note"] == "已电话138****1234联系"
    assert body["alert"]["doc_ids"] == ["d-13800001234"] and body["alert"]["id"] == "a1"  # ids are not data
    assert body["alert"]["created_at"].startswith("2026-07-01T12:00:00")  # dates are not numbers to mask


def test_email_header_values_are_single_lines():
    with SmtpReceiver() as smtp:
        build("email", host="127.0.0.1", port=smtp.port, sender="yuqing@example.org", to=["leader@example.org"]).send(
            make_alert(title="积水\r\nBcc: evil@example.org\nX-Injected: 1 电话13800001234"), ROUTE, "created")
    _, rcpts, content = smtp.messages[0]
    msg = email.message_from_string(content, policy=policy.default)
    assert sorted(rcpts) == ["duty@example.org", "leader@example.org"]
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert "Bcc: evil@example.org" in msg["Subject"] and "138****1234" in msg["Subject"]
    assert "13800001234" not in content


def test_email_refuses_to_log_in_without_tls():
    with SmtpReceiver(offer_plain_auth=True) as smtp:
        for security in ({"security": "none"}, {}):
            mail = build("email", host="127.0.0.1", port=smtp.port, sender="a@example.org", to=["x@example.org"],
                         username="yuqing", password="Pa55-word-for-smtp", **security)
            with pytest.raises(DeliveryError, match=r"security: starttls") as caught:
                mail.send(make_alert(), ROUTE, "created")
            assert "Pa55-word-for-smtp" not in str(caught.value) and "email-1.security" in str(caught.value)
        assert smtp.logins == [] and smtp.messages == []  # the password never crossed the wire
        # a local relay without a login still works over plain SMTP
        build("email", host="127.0.0.1", port=smtp.port, sender="a@example.org", to=["x@example.org"],
              security="none").send(make_alert(), ROUTE, "created")
        assert len(smtp.messages) == 1 and smtp.logins == []


def test_email_login_without_tls_is_refused_when_the_config_is_loaded(tmp_path):
    from alerts.delivery import build_notifiers
    from yuqing.config import load_config
    from yuqing.errors import ConfigError

    cfg = tmp_path / "config.yaml"
    cfg.write_text("alerts:\n  notifiers:\n    mail:\n      type: email\n      host: 127.0.0.1\n"
                   "      sender: a@example.org\n      username: yuqing\n      password: ${SMTP_PASSWORD}\n",
                   encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts\.notifiers\.mail\.security: .*starttls") as caught:
        build_notifiers(load_config(cfg, environ={"SMTP_PASSWORD": "Pa55-word-for-smtp"}))
    assert "Pa55-word-for-smtp" not in str(caught.value)
    cfg.write_text(cfg.read_text(encoding="utf-8") + "      security: starttls\n", encoding="utf-8")
    assert build_notifiers(load_config(cfg, environ={"SMTP_PASSWORD": "x"}))["mail"].opts["security"] == "starttls"


TOKEN = "6f1d2c3b-aa55-4e6f-9a0b-7c8d9e0f1a2b"
SECRET = "SEC-dingtalk-8d7c6b5a4f3e"


def failing_endpoints(http):
    """(kind, url, options) of robots that fail in each way a token could leak through."""
    from loopback import free_port

    http.responses["/open-apis/bot/v2/hook/" + TOKEN] = (500, {})
    http.responses["/cgi-bin/webhook/send"] = (200, {"errcode": 93000, "errmsg": f"invalid webhook url, key={TOKEN}"})
    http.responses["/robot/send"] = (200, {"errcode": 310000, "errmsg": f"token {TOKEN} sign not match"})
    closed = f"http://127.0.0.1:{free_port()}"
    return [("feishu", f"{http.url}/open-apis/bot/v2/hook/{TOKEN}", {"secret": SECRET}),
            ("wecom", f"{http.url}/cgi-bin/webhook/send?key={TOKEN}", {}),
            ("dingtalk", f"{http.url}/robot/send?access_token={TOKEN}", {"secret": SECRET}),
            ("feishu", f"{closed}/open-apis/bot/v2/hook/{TOKEN}", {}),
            ("webhook", f"{closed}/hooks/{TOKEN}?token={TOKEN}", {"headers": {"Authorization": f"Bearer {TOKEN}"}}),
            ("webhook", f"htps://127.0.0.1/hooks/{TOKEN}", {})]  # a typo: urllib quotes the whole URL


def test_tokens_never_appear_in_errors_logs_or_delivery_records(store, http, caplog):
    import logging

    from alerts.delivery import Dispatcher
    from alerts.routing import Router

    endpoints = failing_endpoints(http)
    notifiers = {f"n{i}": NOTIFIERS.get(kind)(f"n{i}", {"url": url, **opts}, timeout=5)
                 for i, (kind, url, opts) in enumerate(endpoints)}
    for notifier in notifiers.values():
        with pytest.raises(DeliveryError) as caught:
            notifier.send(make_alert(), ROUTE, "created")
        assert TOKEN not in str(caught.value) and SECRET not in str(caught.value), str(caught.value)
        assert "127.0.0.1" in str(caught.value)  # the host is still named
    alert = make_alert()
    store.put_records("alerts", [alert])
    store.flush()
    dispatcher = Dispatcher(store, notifiers, Router([], "应急办"), attempts=2, backoff=0.0)
    assert dispatcher.enqueue(alert, "created", T0) == len(endpoints)
    with caplog.at_level(logging.INFO, logger="alerts.delivery"):
        assert dispatcher.deliver_pending(T0) == {"sent": 0, "pending": len(endpoints), "failed": 0}
    store.flush()
    records = store.find_records("alert_deliveries", {"alert_id": "a1"})
    assert len(records) == len(endpoints) and all(r.last_error for r in records)
    stored = json.dumps([r.model_dump(mode="json") for r in records], ensure_ascii=False)
    for where in (stored, caplog.text):
        assert TOKEN not in where and SECRET not in where and "hook/6f1d" not in where, where
    assert caplog.text.count("failed") >= 2 * len(endpoints)
