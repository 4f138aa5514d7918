"""报送 → 签收 → 回复 → 退回 → 改派 → 办结, end to end: the analyst's API, the department's mailbox
(a real SMTP receiver) and the department's page over real HTTP (uvicorn), on both stores."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from conftest import DEPT, PDF, PHONE, PNG, RESCUE, LiveWeb, mail_link, put_alert

ANALYST = {"Authorization": "Bearer t-ana"}


@pytest.fixture
def live(store, write_config, receivers):
    config, _path = write_config()
    put_alert(store)
    with LiveWeb(config, store) as web:
        with httpx.Client(base_url=web.url, headers={"Origin": web.url}, timeout=30) as client:
            yield config, client, receivers


def dispatch(client, department=DEPT, note="请核查垃圾站并反馈"):
    response = client.post("/api/alerts/a1/dispatch-to", json={"department": department, "note": note},
                           headers=ANALYST)
    assert response.status_code == 200, response.text
    return response.json()


def post(client, link, step, text="", files=None):
    path, query = link.split("?", 1)
    local = re.sub(r"^https?://[^/]+", "", path)
    return client.post(f"{local}/{step}?{query}", data={"text": text}, files=files, follow_redirects=False)


def get(client, link, **kw):
    return client.get(re.sub(r"^https?://[^/]+", "", link), **kw)


def test_dispatch_accept_reply_return_redispatch_close_with_the_whole_trail(live, store):
    config, client, (smtp, http) = live
    order = dispatch(client)
    alert = store.get_record("alerts", "a1")
    assert alert.state == "dispatched" and alert.assignee == DEPT
    assert [n["state"] for n in order["notifications"]] == ["sent"]

    # the department's mailbox has the order and its signed link (phone masked in the mail)
    rcpt, text, link = mail_link(smtp)
    assert rcpt == ["cgk@example.org"] and order["id"] in text and link, text
    assert PHONE not in text and "报送单" in text

    page = get(client, link)
    assert page.status_code == 200 and order["id"] in page.text and "请核查垃圾站并反馈" in page.text
    assert PHONE not in page.text and "138****5678" in page.text  # this entry may not see personal data
    assert page.headers["referrer-policy"] == "same-origin"  # no referrer leaves the page; its own forms keep their Origin

    # replying before accepting is refused; accepting works
    refused = post(client, link, "reply", "已到现场")
    assert refused.status_code == 409 and "请先签收" in refused.text
    assert post(client, link, "accept").status_code == 303
    assert "已签收" in get(client, link).text

    # a reply with a photo: stored under its own id, served as a download of its real type
    answer = post(client, link, "reply", "已到现场，正在清运", files=[("files", ("现场.png", PNG, "image/png"))])
    assert answer.status_code == 303, answer.text
    stored = store.get_record("dispatch_orders", order["id"])
    assert [a.name for a in stored.attachments] == ["现场.png"]
    file_url = re.search(r'href="(/dept/[^"]+/files/[^"]+)"', get(client, link).text).group(1).replace("&amp;", "&")
    photo = client.get(file_url)
    assert photo.status_code == 200 and photo.content == PNG
    assert photo.headers["content-type"] == "image/png" and photo.headers["x-content-type-options"] == "nosniff"
    assert photo.headers["content-disposition"].startswith("attachment;")

    # return once, with a reason
    assert post(client, link, "return", "").status_code == 400
    assert post(client, link, "return", "不属于本科室职责，应由环卫所处置").status_code == 303
    assert store.get_record("dispatch_orders", order["id"]).state == "returned"
    assert post(client, link, "accept").status_code == 409  # a returned order takes no more steps

    # the analyst re-dispatches (to the same department, after a call); a second return is refused
    second = dispatch(client, note="已与环卫所协调，请城管科牵头")
    assert second["id"] != order["id"] and store.get_record("alerts", "a1").state == "dispatched"
    _rcpt, _text, link2 = mail_link(smtp)
    assert link2 and link2 != link
    assert post(client, link2, "accept").status_code == 303
    again = post(client, link2, "return", "仍然认为不属于本科室")
    assert again.status_code == 409 and "只能退回一次" in again.text

    # closing needs a result and evidence
    short = post(client, link2, "close", "已处理")
    assert short.status_code == 400 and "佐证" in short.text
    assert store.get_record("alerts", "a1").state == "dispatched"
    done = post(client, link2, "close", "已清运", files=[("files", ("整改报告.pdf", PDF, "application/pdf"))])
    assert done.status_code == 303, done.text
    closed = store.get_record("dispatch_orders", second["id"])
    assert closed.state == "closed" and closed.result == "已清运" and closed.attachments[0].type == "pdf"

    # the card keeps every step, in order (全过程留痕), and so does the audit log
    alert = store.get_record("alerts", "a1")
    assert alert.state == "resolved"
    notes = [h.note for h in alert.history]
    expected = ["报送至", "签收报送单", "回复报送单", "退回报送单", "改派至", "签收报送单", "办结报送单"]
    positions = [next(i for i, n in enumerate(notes) if word in n and i > start)
                 for start, word in _walk(notes, expected)]
    assert positions == sorted(positions), notes
    assert alert.history[-1].to_state == "resolved" and alert.history[-1].who == DEPT
    from governance import audit
    actions = [e.action for e in reversed(audit.find(store, limit=100))]
    for action in ("dispatch_send", "dispatch_accept", "dispatch_reply", "dispatch_return", "dispatch_close"):
        assert action in actions, actions
    assert actions.count("dispatch_send") == 2

    # the analyst reads the orders through the API, with links to the attachments
    orders = client.get("/api/alerts/a1/dispatch", headers=ANALYST).json()["orders"]
    assert [o["state"] for o in orders] == ["returned", "closed"]
    assert client.get(orders[1]["attachments"][0]["url"], headers=ANALYST).content == PDF
    assert client.get(orders[1]["attachments"][0]["url"], headers={"Authorization": "Bearer t-vic"}).status_code == 403


def _walk(notes, words):
    """(index after which to look, word) for each expected word, each after the previous one."""
    start = -1
    for word in words:
        yield start, word
        start = next(i for i, n in enumerate(notes) if word in n and i > start)


def test_tampered_expired_and_read_only_links_are_refused(live, store):
    from datetime import timedelta

    from dispatch import links
    from dispatch.orders import dispatch_alert
    from yuqing.records import now

    config, client, (smtp, _http) = live
    dispatch(client)
    _rcpt, _text, link = mail_link(smtp)
    assert get(client, link).status_code == 200
    base, sig = link.split("?sig=")
    tampered = base + "?sig=" + ("a" if sig[0] != "a" else "b") + sig[1:]
    assert get(client, tampered).status_code == 403
    assert post(client, tampered, "accept").status_code == 403
    assert get(client, base).status_code == 403  # no signature
    other = base[:-1] + ("a" if base[-1] != "a" else "b")  # another (absent) order id: the same answer
    assert get(client, f"{other}?sig={sig}").status_code == 403

    # the superior's read-only link shows the page but takes no step
    order = store.find_records("dispatch_orders", {"alert_id": "a1"})[0]
    view = links.url(config, order.id, order.link_expires_at, "view")
    page = get(client, view)
    assert page.status_code == 200 and "只读" in page.text and "/accept?" not in page.text
    assert post(client, view, "accept").status_code == 403

    # a link past its expiry
    put_alert(store, "a2")
    old = dispatch_alert(store, config, "a2", DEPT, by="ana", now=now() - timedelta(hours=100), notifiers={})
    expired = links.url(config, old.id, old.link_expires_at)
    response = get(client, expired)
    assert response.status_code == 403 and "过期" in response.text
    assert post(client, expired, "accept").status_code == 403
    assert store.get_record("dispatch_orders", old.id).state == "sent"


def test_department_posts_need_the_service_origin(live, store):
    _config, client, (smtp, _http) = live
    dispatch(client)
    _rcpt, _text, link = mail_link(smtp)
    path = re.sub(r"^https?://[^/]+", "", link).replace("?", "/accept?", 1)
    foreign = client.post(path, data={"text": ""}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert store.find_records("dispatch_orders", {"alert_id": "a1"})[0].state == "sent"
    assert client.post(path, data={"text": ""}, follow_redirects=False).status_code == 303


def test_attachments_are_checked_by_content_and_size(store, write_config, receivers):
    config, _path = write_config(attachment_max_bytes=4096)
    put_alert(store)
    with LiveWeb(config, store) as web, httpx.Client(base_url=web.url, headers={"Origin": web.url}) as client:
        dispatch(client)
        _rcpt, _text, link = mail_link(receivers[0])
        post(client, link, "accept")
        html = post(client, link, "reply", "照片", files=[("files", ("photo.jpg", b"<html><script>x</script>",
                                                                   "image/jpeg"))])
        assert html.status_code == 400 and "photo.jpg" in html.text
        big = post(client, link, "reply", "照片", files=[("files", ("big.png", PNG + b"\x00" * 5000, "image/png"))])
        assert big.status_code == 400 and "过大" in big.text
        tricky = post(client, link, "reply", "照片", files=[("files", ("../../evil.html", PNG, "text/html"))])
        assert tricky.status_code == 303
    order = store.find_records("dispatch_orders", {"alert_id": "a1"})[0]
    assert [(a.name, a.type) for a in order.attachments] == [("evil.html", "png")]
    stored = list((Path(config["dispatch.attachments_dir"]) / order.id).iterdir())
    assert len(stored) == 1 and stored[0].suffix == ".png" and "evil" not in stored[0].name


def test_a_rescue_team_entry_sees_personal_data_and_the_view_is_audited(store, write_config, receivers):
    from dispatch.orders import dispatch_alert
    from dispatch import links
    from governance import audit

    config, _path = write_config()
    put_alert(store)
    order = dispatch_alert(store, config, "a1", RESCUE, by="ana", note="被困求助")
    _smtp, http = receivers
    assert http.requests[-1]["json"]["alert"]["dispatch"]["order_id"] == order.id
    assert PHONE not in str(http.requests[-1]["json"])  # the webhook is masked as ever
    with LiveWeb(config, store) as web, httpx.Client(base_url=web.url) as client:
        page = client.get(links.url(config, order.id, order.link_expires_at).replace(web.url, ""))
    assert page.status_code == 200 and PHONE in page.text
    views = audit.find(store, actions=["view_personal_data"])
    assert views and views[0].who == RESCUE and views[0].role == "department"


def test_the_analysts_form_needs_a_session_csrf_token_and_the_right_role(sqlite_store, write_config, receivers):
    """POST /alerts/{id}/dispatch-to (department, note, csrf_token): the alert page's 报送 button."""
    from starlette.testclient import TestClient

    from yuqing.app.web.app import create_app

    config, _ = write_config()
    put_alert(sqlite_store)
    client = TestClient(create_app(config, sqlite_store), base_url="http://testserver")
    origin = {"Origin": "http://testserver"}
    assert client.get("/alerts/a1?token=t-ana", follow_redirects=True).status_code == 200  # signs in
    page = client.get("/alerts/a1").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = client.post("/alerts/a1/dispatch-to", data={"department": DEPT}, headers=origin,
                          follow_redirects=False)
    assert refused.status_code == 403 and not sqlite_store.find_records("dispatch_orders")
    unknown = client.post("/alerts/a1/dispatch-to", data={"department": "无此部门", "csrf_token": token},
                          headers=origin, follow_redirects=False)
    assert unknown.status_code == 400 and "无此部门" in unknown.text
    done = client.post("/alerts/a1/dispatch-to", data={"department": DEPT, "note": "请核查", "csrf_token": token},
                       headers=origin, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/alerts/a1"
    assert sqlite_store.get_record("alerts", "a1").state == "dispatched" and len(receivers[0].messages) == 1
    viewer = client.post("/api/alerts/a1/dispatch-to", json={"department": DEPT},
                         headers={"Authorization": "Bearer t-vic"})
    assert viewer.status_code == 403
