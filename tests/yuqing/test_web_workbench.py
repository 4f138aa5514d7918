"""The workbench's pages and APIs in process, on both stores: the queue's filters, sort, counts and bulk
actions; the incident page; statistics (the page, the API and `yuqing stats --by` as users run it);
corrections; exports — and on every new page, street scoping and masking."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from web_seed import HOME, INCIDENT, LH, LH_PHONE, MASKED_PHONE, MZ, PHONE, USERS, seed  # noqa: E402

from governance import audit  # noqa: E402
from yuqing.config import load_config  # noqa: E402
from yuqing.app.web.app import create_app  # noqa: E402

ANA, VIC, MZU = ({"Authorization": f"Bearer {t}"} for t in ("t-ana", "t-vic", "t-mz"))
LH_SECRETS = (LH_PHONE, "清湖", "a-wages", "inc-wages", "d50", "工人聚集")


@pytest.fixture
def client(store):
    seed(store)
    return TestClient(create_app(load_config(None, [USERS]), store))


# --- scope and masking on every new page ------------------------------------------------------------

SCOPED_PATHS = ["/", "/alerts", "/alerts?state=open&sort=newest", f"/incidents/{INCIDENT}", "/incidents",
                "/stats", "/stats?by=category", "/stats?by=day", "/api/stats/by?by=street", "/api/stats/by?by=category",
                "/api/stats/by?by=day", "/alerts.csv", "/search?q=欠薪", "/search?q=工厂&street=龙华街道",
                "/search.csv?q=欠薪", "/api/search?q=欠薪", "/api/queue", "/calendar", "/api/alerts?category=labor_dispute",
                f"/api/incidents/{INCIDENT}/series"]


@pytest.mark.parametrize("path", SCOPED_PATHS)
def test_a_scoped_analyst_sees_no_other_street(client, path):
    response = client.get(path, headers=MZU)
    assert response.status_code == 200, path
    for secret in LH_SECRETS:
        assert secret not in response.text, (path, secret)


def test_another_streets_incident_is_404_as_if_absent(client):
    for path in ("/incidents/inc-wages", "/api/incidents/inc-wages/series"):
        other, absent = client.get(path, headers=MZU), client.get(path.replace("inc-wages", "nothing"), headers=MZU)
        assert other.status_code == absent.status_code == 404 and other.text == absent.text
    assert client.get("/incidents/inc-wages", headers=ANA).status_code == 200


@pytest.mark.parametrize("path", [f"/incidents/{INCIDENT}", "/alerts.csv", "/search.csv?q=求助", "/api/alerts",
                                  "/alerts/a-rescue", "/search?q=求助", "/api/search?q=求助"])
def test_a_viewer_sees_phones_and_homes_masked(client, path):
    text = client.get(path, headers=VIC).text
    assert PHONE not in text and HOME not in text, path
    assert PHONE in client.get(path, headers=ANA).text, path  # an analyst sees it, so the mask did the work


def test_an_analyst_viewing_an_incident_with_personal_data_is_audited(client, store):
    client.get(f"/incidents/{INCIDENT}", headers=ANA)
    [event] = audit.find(store, actions=["view_personal_data"])
    assert event.target_id == INCIDENT and event.who == "ana"


# --- the queue -------------------------------------------------------------------------------------

def test_queue_sorts_by_severity_across_pages_and_counts_per_state_and_severity(client):
    ids = [a["id"] for a in client.get("/api/alerts", headers=ANA).json()]
    assert ids == ["a-rescue", "a-growth", "a-wages", "a-rumor", "a-traffic"]  # red, orange (newest first)…
    assert [a["id"] for a in client.get("/api/alerts?sort=oldest", headers=ANA).json()][0] == "a-rescue"
    queue = client.get("/api/queue", headers=ANA).json()
    assert queue["counts"]["severity"] == {"red": 1, "orange": 2, "yellow": 1, "blue": 1}
    assert queue["counts"]["state"]["new"] == 5 and queue["total"] == 5
    assert client.get("/api/queue?severity=orange", headers=ANA).json()["counts"]["state"]["new"] == 2
    assert client.get("/api/alerts?sort=sideways", headers=ANA).status_code == 400


def test_queue_filters_rule_assignee_and_time(client):
    def ids(query):
        return [a["id"] for a in client.get(f"/api/alerts?{query}", headers=ANA).json()]
    assert ids("rule=keyword") == ["a-wages", "a-traffic"]
    assert ids("since=2026-11-28T14:00&until=2026-11-28") == ["a-growth", "a-rumor", "a-traffic"]
    assert ids("until=2026-11-27") == []
    assert client.get("/api/alerts?since=yesterday", headers=ANA).status_code == 400
    client.post("/alerts/a-traffic/assign", data={"assignee": "城管科"}, headers=ANA)
    assert ids("assignee=城管科") == ["a-traffic"]


def test_bulk_actions_need_the_csrf_token_of_a_browser_session(client, store):
    client.get("/?token=t-ana")  # a browser session (cookie), as from the sign-in link
    origin = {"Origin": "http://testserver"}
    refused = client.post("/alerts/bulk", data={"action": "ack", "ids": ["a-rumor"]}, headers=origin)
    assert refused.status_code == 403 and store.get_record("alerts", "a-rumor").state == "new"
    page = client.get("/alerts").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    done = client.post("/alerts/bulk", data={"action": "ack", "ids": ["a-rumor", "a-traffic"], "csrf_token": token},
                       headers={**origin, "Accept": "application/json"})
    assert done.json() == {"done": 2, "refused": []}
    again = client.post("/alerts/bulk", data={"action": "ack", "ids": ["a-rumor"], "csrf_token": token},
                        headers={**origin, "Accept": "application/json"}).json()
    assert again["done"] == 0 and "a-rumor" in again["refused"][0] and "acknowledged" in again["refused"][0]


def test_a_scoped_analyst_cannot_bulk_change_another_streets_alert(client, store):
    result = client.post("/alerts/bulk", data={"action": "dismiss", "ids": ["a-wages", "a-rumor"]},
                         headers={**MZU, "Accept": "application/json"}).json()
    assert result["done"] == 1 and result["refused"] == ["a-wages: no such alert"]
    assert store.get_record("alerts", "a-wages").state == "new"


# --- corrections and exports -------------------------------------------------------------------------

def test_corrections_are_checked_scoped_and_audited(client, store):
    assert client.post("/documents/d1/correct", data={"task": "sentiment", "label": "positive"},
                       headers=VIC).status_code == 403
    assert client.post("/documents/d50/correct", data={"task": "sentiment", "label": "positive"},
                       headers=MZU).status_code == 404  # another street's post: as if absent
    bad = client.post("/documents/d1/correct", data={"task": "sentiment", "label": "furious"}, headers=MZU)
    assert bad.status_code == 400 and "d1" in bad.text and "furious" in bad.text
    ok = client.post("/documents/d1/correct", data={"task": "street", "label": "none", "street_label": "龙华街道",
                                                    "back": "/alerts/a-rescue"}, headers=MZU, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/alerts/a-rescue"
    assert store.get_analysis("d1").location.street == LH
    [event] = audit.find(store, actions=["correct_analysis"])
    assert event.who == "mz" and "民治街道 → 龙华街道" in event.detail


def test_exports_are_audited_and_masked_for_viewers(client, store):
    text = client.get("/alerts.csv?state=open", headers=VIC).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "编号 id" and len(rows) == 6 and MASKED_PHONE in text and PHONE not in text
    [event] = audit.find(store, actions=["export"])
    assert event.who == "vic" and "已脱敏" in event.detail and "state=open" in event.detail


# --- statistics --------------------------------------------------------------------------------------

def test_statistics_per_street_category_and_day(client):
    by_street = client.get("/api/stats/by?by=street", headers=ANA).json()
    rows = {r["key"]: r for r in by_street["rows"]}
    assert rows[MZ]["documents"] == 40 and rows[LH]["documents"] == 2
    assert rows[MZ]["negative"] == 26 and rows[MZ]["negative_share"] == 0.65
    assert rows[MZ]["alerts"] == {"red": 1, "orange": 1, "yellow": 1, "blue": 1} and rows[MZ]["incidents"] == 1
    assert rows[LH]["alerts"]["orange"] == 1 and rows[LH]["negative"] == 1
    by_category = {r["key"]: r for r in client.get("/api/stats/by?by=category", headers=ANA).json()["rows"]}
    assert by_category["labor_dispute"]["alerts_total"] == 1 and by_category["natural_disaster"]["documents"] == 40
    by_day = client.get("/api/stats/by?by=day&days=3", headers=ANA).json()
    assert [r["key"] for r in by_day["rows"]] == ["2026-11-28", "2026-11-29"]
    assert sum(r["documents"] for r in by_day["rows"]) == 42 and by_day["rows"][0]["alerts_total"] == 5
    assert client.get("/api/stats/by?by=weather", headers=ANA).status_code == 400
    page = client.get("/stats?by=category", headers=ANA).text
    assert "自然灾害" in page and "labor_dispute" not in page.split('id="stats-data"')[0]


def _cli(store, tmp_path, request, *args):
    if hasattr(store, "prefix"):  # the test's Elasticsearch indices
        scratch = ["-s", "store.backend=elasticsearch", "-s", f"store.elasticsearch.hosts=[{request.getfixturevalue('es_node')}]",
                   "-s", f"store.elasticsearch.index_prefix={store.prefix}", "-s", f"store.path={tmp_path / 'x.sqlite'}"]
    else:
        scratch = ["-s", f"store.path={store.path}"]
    store.flush()
    return subprocess.run([sys.executable, "-m", "yuqing", "stats", *args, *scratch], capture_output=True, text=True,
                          timeout=180)


def test_stats_command_by_street_as_users_run_it(store, tmp_path, request):
    seed(store)
    result = _cli(store, tmp_path, request, "--by", "street", "--format", "json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["by"] == "street" and [r["key"] for r in answer["rows"]] == [MZ, LH]
    assert answer["rows"][0]["negative_share"] == 0.65 and answer["rows"][0]["alerts_total"] == 4
    scoped = json.loads(_cli(store, tmp_path, request, "--by", "category", "--street", LH, "--format", "json").stdout)
    assert {r["key"] for r in scoped["rows"]} == {"labor_dispute", "traffic"}
    plain = json.loads(_cli(store, tmp_path, request, "--format", "json").stdout)  # without --by: the contract's object
    assert set(plain) == {"documents", "analyses", "incidents", "alerts", "cases", "sources"}
    assert plain["documents"] == 42
    bad = _cli(store, tmp_path, request, "--by", "day", "--since", "yesterday")
    assert bad.returncode == 2 and "--since" in bad.stderr and "yesterday" in bad.stderr
