"""The web UI's security review: personal data by role, tokens, cross-site posts, headers, limits.

Each test is one finding of the review on loopback; all run in-process on both stores.
"""
import re
import threading
import time

import pytest
from starlette.testclient import TestClient

from yuqing.config import load_config
from yuqing.records import Alert, Analysis, Document
from yuqing.storage.base import JsonRecord
from yuqing.app.web.app import MAX_ALERTS, MAX_QUERY_CHARS, create_app

PHONE, MASKED = "13812345678", "138****5678"
ADDRESS = "民治街道某小区3栋"
HOME = "某小区3栋"  # the part of the address a viewer must not see
ID_NUMBER = "440301199001011234"
WHEN = "2023-09-07 20:15"
ANA, VIC = {"Authorization": "Bearer t-ana"}, {"Authorization": "Bearer t-vic"}
USERS = "web.users={ana: {role: analyst, token: t-ana}, vic: {role: viewer, token: t-vic}}"


@pytest.fixture
def app(store):
    store.put_documents([
        Document(id="d1", title=f"积水求助 电话{PHONE}",
                 text=f"{WHEN} {ADDRESS}积水被困，求助电话{PHONE}，身份证{ID_NUMBER}",
                 published_at="2023-09-07T20:15:00+08:00", source="forum"),
    ])
    store.put_analyses([Analysis(id="d1", sentiment={"label": "negative", "score": 0.9},
                                 rescue={"score": 0.95, "phones": [PHONE], "address": ADDRESS, "urgency": 0.9})])
    # the rescue rule titles an alert with the home address (alerts.rules.rescue_request)
    store.put_records("alerts", [Alert(id="a1", rule="rescue_request", severity="red", title=f"求助：{ADDRESS}",
                                       summary=f"{ADDRESS}积水被困，联系电话{PHONE}", doc_ids=["d1"],
                                       street="民治街道", created_at="2023-09-07T20:20:00+08:00")])
    store.put_records("rescue_requests", [JsonRecord(id="r1", alert_id="a1", phones=[PHONE], address=ADDRESS,
                                                     street="民治街道", urgency=0.9, status="open",
                                                     last_seen="2023-09-07T20:20:00+08:00")])
    store.flush()
    return create_app(load_config(None, [USERS]), store)


@pytest.fixture
def client(app):
    return TestClient(app)


def _plain(text: str) -> str:
    """What a reader sees: highlight markers and tags removed (they must not split a number)."""
    return re.sub(r"</?mark>|【|】", "", text)


# --- personal data by role -----------------------------------------------------------------------

def test_api_search_masks_titles_and_highlights_for_anonymous(client):
    for headers in ({}, VIC):
        body = client.get("/api/search?q=积水", headers=headers)
        assert body.status_code == 200
        hit = body.json()["hits"][0]
        assert PHONE not in body.text and ID_NUMBER not in body.text and HOME not in body.text
        assert MASKED in hit["title"]
        assert any("积水" in f for f in hit["highlight"])
    analyst = client.get("/api/search?q=积水", headers=ANA).json()["hits"][0]
    assert PHONE in analyst["title"]


def test_one_digit_query_cannot_split_a_number_past_the_mask(client):
    digit = "3"  # matches the document (its "3栋") and sits inside the phone and the ID number
    api = client.get(f"/api/search?q={digit}")
    assert api.status_code == 200 and api.json()["total"] == 1
    assert PHONE not in _plain(api.text) and ID_NUMBER not in _plain(api.text)
    page = client.get(f"/search?q={digit}")
    assert page.status_code == 200
    assert PHONE not in _plain(page.text) and ID_NUMBER not in _plain(page.text)
    assert HOME not in _plain(page.text)


def test_rescue_alert_titles_hide_the_home_address_from_anonymous(client):
    for path in ("/", "/alerts", "/alerts/a1", "/api/alerts", "/rescue"):
        for headers in ({}, VIC):
            body = client.get(path, headers=headers).text
            assert HOME not in body, (path, headers)
            assert PHONE not in body and ID_NUMBER not in body, (path, headers)
    assert "求助：民治街道****" in client.get("/alerts/a1").text
    assert client.get("/api/alerts").json()[0]["title"] == "求助：民治街道****"
    # the ones who go there see it
    assert f"求助：{ADDRESS}" in client.get("/alerts/a1", headers=ANA).text
    assert client.get("/api/alerts", headers=ANA).json()[0]["title"] == f"求助：{ADDRESS}"
    assert PHONE in client.get("/alerts/a1", headers=ANA).text


def test_api_alerts_masks_analysts_notes_for_anonymous(client):
    note = f"已电话联系{PHONE}，家住{ADDRESS}"
    response = client.post("/alerts/a1/ack", data={"note": note}, headers=ANA, follow_redirects=False)
    assert response.status_code == 303
    anonymous = client.get("/api/alerts")
    assert PHONE not in anonymous.text and HOME not in anonymous.text
    assert MASKED in anonymous.json()[0]["history"][0]["note"]
    assert client.get("/api/alerts", headers=ANA).json()[0]["history"][0]["note"] == note
    assert PHONE not in client.get("/alerts/a1").text


def test_dates_and_times_are_not_masked(client):
    alert = client.get("/api/alerts").json()[0]
    assert alert["created_at"] == "2023-09-07T20:20:00+08:00" and alert["id"] == "a1"
    assert alert["doc_ids"] == ["d1"]
    for body in (client.get("/api/search?q=积水").text, client.get("/search?q=积水").text,
                 client.get("/alerts/a1").text):
        assert WHEN in body
        assert "202****" not in body and "202**********" not in body


# --- a query cannot freeze the service -----------------------------------------------------------

def test_long_or_many_part_queries_are_refused_quickly(client):
    huge = " ".join(["暴雨"] * 3000)  # ~9 KB, 3,000 parts
    started = time.monotonic()
    for path in ("/api/search", "/search"):
        response = client.get(path, params={"q": huge})
        assert response.status_code == 400
        assert "检索词过长" in response.text and "query too long" in response.text
    many = " ".join(f"词{i}" for i in range(11))
    response = client.get("/api/search", params={"q": many})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("检索词过多")
    assert "too many search terms" in response.json()["error"]["message"]
    assert time.monotonic() - started < 5
    assert client.get("/api/search", params={"q": "暴" * MAX_QUERY_CHARS}).status_code == 200


def test_a_slow_store_call_does_not_hold_other_requests(app, store, monkeypatch):
    real_search = store.search

    def slow_search(*args, **kwargs):
        time.sleep(1.5)
        return real_search(*args, **kwargs)

    with TestClient(app) as shared:  # one event loop for both requests
        assert shared.get("/api/stats").status_code == 200  # warm (a first Elasticsearch count is slow)
        monkeypatch.setattr(store, "search", slow_search)
        slow = threading.Thread(target=lambda: shared.get("/api/search?q=积水"))
        slow.start()
        time.sleep(0.3)
        started = time.monotonic()
        assert shared.get("/api/stats").status_code == 200
        waited = time.monotonic() - started
        slow.join()
    assert waited < 1.0, f"/api/stats waited {waited:.1f} s behind a slow search"


# --- tokens --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/alerts/a1", "/api/alerts", "/api/search?q=积水", "/api/stats"])
def test_a_wrong_bearer_token_is_refused(client, path):
    response = client.get(path, headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert PHONE not in response.text
    if path.startswith("/api/"):
        assert response.json()["error"]["status"] == 401
    assert client.get(path, headers={"Authorization": "Bearer "}).status_code == 401
    assert client.get(path).status_code == 200  # no token at all: anonymous
    assert client.get(path, headers=VIC).status_code == 200


def test_a_wrong_cookie_or_query_token_is_refused(client):
    client.cookies.set("yuqing_session", "v1.eyJ1IjoiYW5hIn0.forged")
    response = client.get("/alerts")
    assert response.status_code == 401
    assert 'yuqing_session=""' in response.headers.get("set-cookie", "")  # and forgotten
    client.cookies.clear()
    # the raw-token cookie of older versions is no longer read (anonymous), and is deleted
    client.cookies.set("yuqing_token", "t-ana")
    response = client.get("/alerts/a1")
    assert response.status_code == 200 and HOME not in response.text
    assert 'yuqing_token=""' in response.headers.get("set-cookie", "")
    client.cookies.clear()
    response = client.get("/alerts?token=wrong", follow_redirects=False)
    assert response.status_code == 401 and "set-cookie" not in response.headers


def test_a_valid_query_token_becomes_a_cookie_and_leaves_the_address(client):
    response = client.get("/alerts?severity=red&token=t-ana", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/alerts?severity=red"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("yuqing_session=") and "t-ana" not in cookie  # a signed session, never the token
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "secure" not in cookie.lower()
    page = client.get(response.headers["location"])  # the client keeps the cookie
    assert page.status_code == 200 and "ana (analyst)" in page.text and f"求助：{ADDRESS}" in page.text
    assert client.get("/?token=t-vic", follow_redirects=False).headers["location"] == "/"


def test_the_cookie_is_secure_over_https(app):
    secure = TestClient(app, base_url="https://testserver")
    response = secure.get("/?token=t-ana", follow_redirects=False)
    assert response.status_code == 303 and "secure" in response.headers["set-cookie"].lower()
    assert "max-age" in response.headers["strict-transport-security"]


# --- headers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/alerts/a1", "/api/alerts", "/api/nothing", "/search?q=积水"])
def test_security_headers_on_every_answer(client, path):
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] in ("no-referrer", "same-origin")
    assert response.headers["cache-control"] == "no-store"
    assert client.get(path, headers={"Authorization": "Bearer wrong"}).headers["x-frame-options"] == "DENY"


def test_pages_need_no_inline_style_or_script(client):
    for path in ("/", "/alerts", "/alerts/a1", "/search?q=积水", "/stats"):
        body = client.get(path).text
        assert "<style" not in body and "style=" not in body, path
        for tag in re.findall(r"<script[^>]*>", body):  # scripts are static files; data blocks are not run
            assert re.fullmatch(r'<script src="/static/[\w/.-]+\.js">', tag) or 'type="application/json"' in tag, tag
        assert not re.search(r"<script>[^<]", body) and " on" + "click=" not in body, path
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "mark{" in css.text


# --- cross-site posts ----------------------------------------------------------------------------

def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_a_foreign_origin_cannot_act_with_the_analysts_cookie(client, store):
    assert client.get("/alerts?token=t-ana", follow_redirects=False).status_code == 303  # signed in
    csrf = _csrf(client.get("/alerts/a1").text)
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Referer": "http://evil.example/page"}, {"Origin": "http://testserver.evil.example"},
                    {"Origin": "https://testserver"}, {}):
        response = client.post("/alerts/a1/ack", data={"note": "x", "csrf_token": csrf}, headers=headers,
                               follow_redirects=False)
        assert response.status_code == 403, headers
        assert "cross-site" in response.text
    assert store.get_record("alerts", "a1").state == "new"
    response = client.post("/alerts/a1/ack", data={"note": "ok", "csrf_token": csrf},
                           headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert response.status_code == 303
    response = client.post("/alerts/a1/dispatch", data={"note": "派", "csrf_token": csrf},
                           headers={"Referer": "http://testserver/alerts/a1"}, follow_redirects=False)
    assert response.status_code == 303
    assert store.get_record("alerts", "a1").state == "dispatched"


# --- parameters ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/alerts", "/api/search?q=积水"])
@pytest.mark.parametrize("limit", ["abc", "-1", "0", "1.5", "9" * 30])
def test_bad_limits_are_refused_with_a_message(client, path, limit):
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}limit={limit}")
    if limit == "9" * 30:  # a huge number is capped, not refused
        assert response.status_code == 200
        return
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "limit" in message and "必须" in message


def test_limits_are_capped_and_filters_checked(client, store):
    store.put_records("alerts", [Alert(id=f"b{i}", rule="keyword", severity="blue", title=f"t{i}",
                                       created_at="2023-09-07T20:20:00+08:00") for i in range(MAX_ALERTS + 5)])
    store.flush()
    assert len(client.get("/api/alerts?limit=100000").json()) == MAX_ALERTS
    assert len(client.get("/api/alerts?limit=3").json()) == 3
    assert client.get("/api/alerts?state=bogus").status_code == 400
    assert client.get("/alerts?severity=purple").status_code == 400
    assert client.get("/alerts?state=&severity=").status_code == 200  # the filter form's "all"


def test_a_rescue_title_in_the_rules_own_words_is_shown_whole_an_address_title_masked():
    from yuqing.app.web.redact import rescue_title

    assert rescue_title("求助：民治街道 4人 婴幼儿 转移被困", "民治街道") == "求助：民治街道 4人 婴幼儿 转移被困"
    assert rescue_title("求助：民治街道 碧水龙庭", "民治街道") == "求助：民治街道****"  # not vocabulary words
    assert rescue_title("求助：民治街道碧水龙庭3栋1502", "民治街道") == "求助：民治街道****"
