"""The analyst web UI: hostile text escaped, PII shown by role, one JSON error shape."""
import pytest
from starlette.testclient import TestClient

from yuqing.config import load_config
from yuqing.records import Alert, Document
from yuqing.storage.base import JsonRecord
from yuqing.app.web.app import create_app, highlight

HOSTILE = '<script>alert("x")</script>民治街道积水 <img src=x onerror=alert(1)>'


@pytest.fixture
def client(store):
    store.put_documents([Document(id="d1", title=HOSTILE, text=f"{HOSTILE} 求助电话13812345678",
                                  published_at="2023-09-07T20:15:00+08:00", source="forum")])
    store.put_records("alerts", [Alert(id="a1", rule="rescue_request", severity="red", title=HOSTILE,
                                       summary="联系电话13812345678", doc_ids=["d1"], street="民治街道",
                                       created_at="2023-09-07T20:20:00+08:00")])
    store.put_records("rescue_requests", [JsonRecord(id="r1", alert_id="a1", phones=["13812345678"], address="民治街道某小区3栋",
                                                     street="民治街道", urgency=0.9, status="open",
                                                     last_seen="2023-09-07T20:20:00+08:00")])
    store.flush()
    config = load_config(None, ["web.users={ana: {role: analyst, token: t-ana}, vic: {role: viewer, token: t-vic}}"])
    return TestClient(create_app(config, store))


def test_hostile_text_is_escaped_everywhere(client):
    for path in ("/", "/alerts", "/alerts/a1", "/search?q=积水"):
        body = client.get(path).text
        assert "<script>alert" not in body and "<img src=x" not in body, path
        assert "&lt;script&gt;" in body, path


def test_highlight_escapes_before_marking():
    assert str(highlight("<b>【暴雨】</b>")) == "&lt;b&gt;<mark>暴雨</mark>&lt;/b&gt;"


def test_phones_masked_for_viewers_and_shown_to_analysts(client):
    anonymous = client.get("/alerts/a1").text
    assert "13812345678" not in anonymous and "138****5678" in anonymous
    assert "13812345678" not in client.get("/rescue", headers={"Authorization": "Bearer t-vic"}).text
    analyst = client.get("/rescue", headers={"Authorization": "Bearer t-ana"}).text
    assert "13812345678" in analyst and "民治街道某小区3栋" in analyst
    assert '<a href="/alerts/a1">待确认</a>' in analyst  # the request's alert and where it stands (new), in Chinese


def test_viewers_cannot_change_alerts(client):
    response = client.post("/alerts/a1/ack", data={"note": "x"}, headers={"Authorization": "Bearer t-vic"})
    assert response.status_code == 403


def test_json_errors_have_one_shape(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "message": "Not Found"}}
    assert client.get("/alerts/absent").status_code == 404


def test_api_alerts_and_search(client):
    alerts = client.get("/api/alerts?severity=red").json()
    assert [a["id"] for a in alerts] == ["a1"]
    hits = client.get("/api/search?q=积水").json()
    assert hits["total"] == 1 and all("13812345678" not in f for f in hits["hits"][0]["highlight"])


def test_analyst_acknowledges_and_dispatches_with_history(client, store):
    ana = {"Authorization": "Bearer t-ana"}
    response = client.post("/alerts/a1/ack", data={"note": "看到了"}, headers=ana, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/alerts/a1"
    response = client.post("/alerts/a1/dispatch", data={"note": "派民治街道应急办", "assignee": "民治应急办"},
                           headers=ana, follow_redirects=False)
    assert response.status_code == 303
    alert = store.get_record("alerts", "a1")
    assert alert.state == "dispatched" and alert.assignee == "民治应急办"
    steps = [(h.who, h.from_state, h.to_state, h.note) for h in alert.history]
    assert ("ana", "new", "acknowledged", "看到了") in steps
    assert ("ana", "acknowledged", "dispatched", "派民治街道应急办") in steps
    page = client.get("/alerts/a1", headers=ana).text
    assert "派民治街道应急办" in page


def test_illegal_transition_is_refused_with_the_reason(client):
    ana = {"Authorization": "Bearer t-ana"}
    response = client.post("/alerts/a1/resolve", data={}, headers=ana, follow_redirects=False)
    assert response.status_code == 409 and "cannot be resolved directly" in response.text
    assert client.post("/alerts/a1/dismiss", data={"note": "误报"}, headers=ana, follow_redirects=False).status_code == 303
    response = client.post("/alerts/a1/ack", data={}, headers=ana, follow_redirects=False)
    assert response.status_code == 409 and "already dismissed" in response.text
