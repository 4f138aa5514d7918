"""Street scoping: an analyst of 民治街道 sees 民治's alerts, documents, incidents and requests for help,
never 龙华's — on every page and API, filtered in the store query. Both stores."""
import pytest
from starlette.testclient import TestClient

from yuqing.config import load_config
from yuqing.records import Alert, Analysis, Document, Incident
from yuqing.storage.base import JsonRecord
from yuqing.app.web.app import create_app

MZ, LH = "民治街道", "龙华街道"
MZ_PHONE, LH_PHONE = "13812345678", "13987654321"
MZ_HOME, LH_HOME = "民治街道阳光小区3栋", "龙华街道清湖新村8栋"
USERS = ("web.users={mz: {role: analyst, token: t-mz, streets: [民治街道]}, "
         "all: {role: analyst, token: t-all}, mzv: {role: viewer, token: t-mzv, streets: [民治街道]}}")
MZ_USER, ALL_USER = {"Authorization": "Bearer t-mz"}, {"Authorization": "Bearer t-all"}
WHEN = "2023-09-07T20:15:00+08:00"


def _street_data(store, street, tag, phone, home):
    store.put_documents([Document(id=f"d-{tag}", title=f"{street}积水求助", text=f"{home}积水被困，电话{phone}",
                                  published_at=WHEN, source="forum")])
    store.put_analyses([Analysis(id=f"d-{tag}", sentiment={"label": "negative", "score": 0.9},
                                 location={"street": street, "district": "龙华区"},
                                 rescue={"score": 0.9, "phones": [phone], "address": home, "urgency": 0.9})])
    store.put_records("alerts", [Alert(id=f"a-{tag}", rule="rescue_request", severity="red", title=f"求助：{home}",
                                       summary=f"{home}积水被困，联系电话{phone}", doc_ids=[f"d-{tag}"],
                                       street=street, created_at=WHEN)])
    store.put_records("incidents", [Incident(id=f"i-{tag}", label=f"{street} 暴雨 内涝 事件{tag}",
                                             doc_ids=[f"d-{tag}"], streets=[street], size=1, last_seen=WHEN)])
    store.put_records("rescue_requests", [JsonRecord(id=f"r-{tag}", alert_id=f"a-{tag}", phones=[phone],
                                                     address=home, street=street, urgency=0.9, status="open",
                                                     last_seen=WHEN)])


@pytest.fixture
def client(store):
    _street_data(store, MZ, "mz", MZ_PHONE, MZ_HOME)
    _street_data(store, LH, "lh", LH_PHONE, LH_HOME)
    store.flush()
    return TestClient(create_app(load_config(None, [USERS]), store))


PAGES = ["/", "/alerts", "/rescue", "/incidents", "/search?q=积水", "/api/alerts", "/api/search?q=积水",
         "/api/stats", "/alerts?street=龙华街道", "/api/alerts?street=龙华街道", "/search?q=积水&street=龙华街道",
         "/api/search?q=积水&street=龙华街道", "/api/search?q=13987654321"]


@pytest.mark.parametrize("path", PAGES)
def test_a_scoped_analyst_never_sees_another_streets_records(client, path):
    body = client.get(path, headers=MZ_USER)
    assert body.status_code == 200, path
    for secret in (LH_PHONE, LH_HOME, "a-lh", "d-lh", "r-lh", "事件lh", "清湖"):
        assert secret not in body.text, (path, secret)
    everyone = client.get(path, headers=ALL_USER).text
    if "street=" not in path and "139" not in path and path != "/api/stats":
        assert LH_PHONE in everyone or "事件lh" in everyone, path  # the unscoped analyst does see it


def test_a_scoped_analyst_sees_their_own_street_in_full(client):
    assert MZ_PHONE in client.get("/alerts/a-mz", headers=MZ_USER).text
    rescue = client.get("/rescue", headers=MZ_USER).text
    assert MZ_PHONE in rescue and MZ_HOME in rescue
    assert [a["id"] for a in client.get("/api/alerts", headers=MZ_USER).json()] == ["a-mz"]
    hits = client.get("/api/search?q=积水", headers=MZ_USER).json()
    assert hits["total"] == 1 and hits["hits"][0]["id"] == "d-mz" and MZ_PHONE in hits["hits"][0]["title"] + str(
        hits["hits"][0]["highlight"])
    assert "事件mz" in client.get("/incidents", headers=MZ_USER).text
    assert "阳光小区" not in client.get("/rescue", headers={"Authorization": "Bearer t-mzv"}).text  # viewer: masked


def test_another_streets_alert_is_404_as_if_absent_and_cannot_be_acted_on(client, store):
    other = client.get("/alerts/a-lh", headers=MZ_USER)
    absent = client.get("/alerts/no-such-alert", headers=MZ_USER)
    assert other.status_code == absent.status_code == 404
    assert other.text == absent.text  # nothing tells it exists
    api_other = client.post("/alerts/a-lh/ack", data={"note": "x"}, headers=MZ_USER, follow_redirects=False)
    api_absent = client.post("/alerts/no-such-alert/ack", data={"note": "x"}, headers=MZ_USER, follow_redirects=False)
    assert api_other.status_code == api_absent.status_code == 404 and api_other.text == api_absent.text
    assert store.get_record("alerts", "a-lh").state == "new"
    assert client.get("/alerts/a-lh", headers=ALL_USER).status_code == 200
    ok = client.post("/alerts/a-mz/ack", data={"note": "收到"}, headers=MZ_USER, follow_redirects=False)
    assert ok.status_code == 303 and store.get_record("alerts", "a-mz").state == "acknowledged"


def test_statistics_count_only_the_users_streets(client):
    scoped = client.get("/api/stats", headers=MZ_USER).json()
    assert (scoped["documents"], scoped["analyses"], scoped["alerts"], scoped["incidents"]) == (1, 1, 1, 1)
    assert scoped["streets"] == [MZ]
    full = client.get("/api/stats", headers=ALL_USER).json()
    assert (full["documents"], full["alerts"], full["incidents"]) == (2, 2, 2) and "streets" not in full
    assert "文档 1 ·" in client.get("/", headers=MZ_USER).text


def test_the_scope_is_in_the_query_not_applied_after_the_limit(client, store):
    """Forty newer alerts of 龙华: were rows hidden after the limit, the 民治 analyst would get none."""
    store.put_records("alerts", [Alert(id=f"lh-{i:02d}", rule="keyword", severity="blue", title=f"龙华 {i}",
                                       street=LH, created_at=f"2023-09-08T{10 + i // 4:02d}:{i % 4 * 10:02d}:00+08:00")
                                 for i in range(40)])
    store.put_documents([Document(id=f"dl-{i}", title="积水", text=f"龙华积水第{i}处", published_at="2023-09-08T10:00:00+08:00")
                         for i in range(30)])
    store.put_analyses([Analysis(id=f"dl-{i}", sentiment={"label": "negative", "score": 0.9},
                                 location={"street": LH}) for i in range(30)])
    store.flush()
    assert [a["id"] for a in client.get("/api/alerts?limit=5", headers=MZ_USER).json()] == ["a-mz"]
    hits = client.get("/api/search?q=积水&limit=5", headers=MZ_USER).json()
    assert hits["total"] == 1 and [h["id"] for h in hits["hits"]] == ["d-mz"]
    assert len(client.get("/api/alerts?limit=5", headers=ALL_USER).json()) == 5


def test_a_bad_streets_setting_is_refused_at_load():
    from yuqing.errors import ConfigError

    with pytest.raises(ConfigError, match="streets must be a non-empty list"):
        load_config(None, ["web.users={mz: {role: analyst, token: t, streets: 民治街道}}"])
    with pytest.raises(ConfigError, match="role 'chief' is not one of viewer, analyst, responder, admin"):
        load_config(None, ["web.users={x: {role: chief, token: t}}"])
