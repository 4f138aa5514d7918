"""The web UI's audit trail: sign-ins, failed sign-ins, views of personal data, state changes, the admin page.

Both stores; every test also checks that no event holds a token or a full phone number.
"""
import re

import pytest
from starlette.testclient import TestClient

from governance import audit
from yuqing.config import load_config
from yuqing.records import Alert, Analysis, Document
from yuqing.storage.base import JsonRecord
from yuqing.app.web.app import create_app

PHONE, MASKED = "13812345678", "138****5678"
ADDRESS = "民治街道某小区3栋"
TOKENS = ("t-ana", "t-vic", "t-root", "wrong-token-123")
USERS = ("web.users={ana: {role: analyst, token: t-ana}, vic: {role: viewer, token: t-vic}, "
         "root: {role: admin, token: t-root}}")
ANA, VIC, ROOT = ({"Authorization": f"Bearer {t}"} for t in ("t-ana", "t-vic", "t-root"))


@pytest.fixture
def client(store):
    store.put_documents([Document(id="d1", title=f"积水求助 电话{PHONE}", text=f"{ADDRESS}积水被困，求助电话{PHONE}",
                                  published_at="2023-09-07T20:15:00+08:00", source="forum"),
                         Document(id="d2", title="交通", text="某路口拥堵", published_at="2023-09-07T20:16:00+08:00")])
    store.put_analyses([Analysis(id="d1", sentiment={"label": "negative", "score": 0.9},
                                 rescue={"score": 0.95, "phones": [PHONE], "address": ADDRESS, "urgency": 0.9})])
    store.put_records("alerts", [
        Alert(id="a1", rule="rescue_request", severity="red", title=f"求助：{ADDRESS}", summary=f"联系电话{PHONE}",
              doc_ids=["d1"], street="民治街道", created_at="2023-09-07T20:20:00+08:00"),
        Alert(id="a2", rule="keyword", severity="blue", title="路口拥堵", summary="某路口拥堵", doc_ids=["d2"],
              street="民治街道", created_at="2023-09-07T20:21:00+08:00")])
    store.put_records("rescue_requests", [JsonRecord(id="r1", alert_id="a1", phones=[PHONE], address=ADDRESS,
                                                     street="民治街道", urgency=0.9, status="open",
                                                     last_seen="2023-09-07T20:20:00+08:00")])
    store.flush()
    return TestClient(create_app(load_config(None, [USERS]), store))


def events(store, **filters):
    store.flush()
    found = audit.find(store, **filters)
    for event in found:  # never a token, never a full phone
        raw = event.model_dump_json()
        assert PHONE not in raw and not any(t in raw for t in TOKENS), raw
    return found


def test_an_analyst_viewing_personal_data_is_recorded_once_per_request(client, store):
    assert client.get("/alerts/a1", headers=ANA).status_code == 200
    [event] = events(store, actions=["view_personal_data"])
    assert (event.who, event.role, event.target_kind, event.target_id) == ("ana", "analyst", "alerts", "a1")
    assert event.client == "testclient"
    client.get("/rescue", headers=ANA)
    client.get("/search", params={"q": PHONE}, headers=ANA)  # a phone typed as the query is kept masked
    client.get("/api/search", params={"q": "积水"}, headers=ANA)
    client.get("/api/alerts", headers=ANA)
    newest = events(store, actions=["view_personal_data"])
    assert [(e.target_kind, e.target_id) for e in newest] == [
        ("alerts", None), ("search", None), ("search", None), ("rescue_requests", None), ("alerts", "a1")]
    assert "r1" in newest[3].detail and "a1" in newest[0].detail and "a2" not in newest[0].detail
    assert MASKED in newest[2].detail and "d1" in newest[2].detail


def test_no_event_when_nothing_personal_was_shown(client, store):
    client.get("/alerts/a1", headers=VIC)  # masked for a viewer
    client.get("/alerts/a1")  # anonymous
    client.get("/alerts/a2", headers=ANA)  # an analyst, but nothing personal in it
    client.get("/search", params={"q": "拥堵"}, headers=ANA)
    assert events(store, actions=["view_personal_data"]) == []


def test_a_state_change_is_recorded_with_its_note_masked(client, store):
    response = client.post("/alerts/a1/ack", data={"note": f"已电话联系{PHONE}"}, headers=ANA, follow_redirects=False)
    assert response.status_code == 303
    [event] = events(store, actions=["state_change"])
    assert (event.who, event.target_kind, event.target_id) == ("ana", "alerts", "a1")
    assert event.detail.startswith("new → acknowledged") and MASKED in event.detail


@pytest.mark.parametrize("how", ["header", "query", "cookie"])
def test_a_failed_sign_in_is_401_and_recorded_without_the_token(client, store, how):
    if how == "header":
        response = client.get("/api/alerts", headers={"Authorization": "Bearer wrong-token-123"})
    elif how == "query":
        response = client.get("/alerts?token=wrong-token-123", follow_redirects=False)
    else:
        client.cookies.set("yuqing_session", "v1.wrong-token-123.x")
        response = client.get("/alerts")
    assert response.status_code == 401
    [event] = events(store, actions=["sign_in_failed"])
    assert event.who == "anonymous" and event.role is None and event.client == "testclient"


def test_a_query_token_sign_in_is_recorded(client, store):
    assert client.get("/?token=t-ana", follow_redirects=False).status_code == 303
    [event] = events(store, actions=["sign_in"])
    assert (event.who, event.role) == ("ana", "analyst")


def test_the_audit_page_is_for_admins_only_newest_first_in_chinese(client, store):
    client.get("/alerts/a1", headers=ANA)
    client.post("/alerts/a1/ack", data={"note": "收到"}, headers=ANA, follow_redirects=False)
    client.get("/api/alerts", headers={"Authorization": "Bearer wrong-token-123"})
    store.flush()
    for headers in ({}, VIC, ANA):
        response = client.get("/admin/audit", headers=headers)
        assert response.status_code == 403 and "管理员" in response.text
    page = client.get("/admin/audit", headers=ROOT)
    assert page.status_code == 200 and "审计日志" in page.text
    labels = re.findall(r"<td>(登录失败|预警状态变更|查看个人信息)</td>", page.text)
    assert labels == ["登录失败", "预警状态变更", "查看个人信息"]  # newest first
    assert PHONE not in page.text and "wrong-token-123" not in page.text
    only = client.get("/admin/audit?action=state_change", headers=ROOT).text
    assert "预警状态变更</td>" in only and "登录失败</td>" not in only
    assert client.get("/admin/audit?since=yesterday", headers=ROOT).status_code == 400
    assert '<a href="/admin/audit">' in client.get("/", headers=ROOT).text
    assert '<a href="/admin/audit">' not in client.get("/", headers=ANA).text


def test_an_admin_sees_personal_data_like_an_analyst(client, store):
    body = client.get("/alerts/a1", headers=ROOT).text
    assert PHONE in body and ADDRESS in body
    assert client.post("/alerts/a2/ack", data={}, headers=ROOT, follow_redirects=False).status_code == 303
