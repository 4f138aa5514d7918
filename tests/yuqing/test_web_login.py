"""The sign-in page, session cookies, sign-out and CSRF tokens; ``python -m yuqing.users hash-password``."""
import re
import subprocess
import sys
import time

import pytest
from starlette.testclient import TestClient

from governance import audit
from yuqing.config import load_config
from yuqing.records import Alert
from yuqing.users import hash_password, verify_password
from yuqing.app.web.app import create_app
from yuqing.app.web.sessions import Sessions

PASSWORD = "民治-暴雨-2023!"
ANA_HASH = hash_password(PASSWORD)
USERS = ("web.users={ana: {role: analyst, password_hash: '${ANA_HASH}', token: t-ana}, "
         "root: {role: admin, token: t-root}}")
OWN = {"Origin": "http://testserver"}


def make_app(store, sessions=None, environ=None):
    config = load_config(None, [USERS], environ=environ or {"ANA_HASH": ANA_HASH})
    return create_app(config, store, sessions=sessions or Sessions(b"test-key", 12))


@pytest.fixture
def client(store):
    store.put_records("alerts", [Alert(id="a1", rule="keyword", severity="red", title="积水", street="民治街道",
                                       summary="联系电话13812345678", created_at="2023-09-07T20:20:00+08:00")])
    store.flush()
    return TestClient(make_app(store))


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, **form):
    token = csrf(client.get("/login").text)
    return client.post("/login", data={"csrf_token": token, **form}, headers=OWN, follow_redirects=False)


def all_events(store):
    store.flush()
    found = audit.find(store)
    for event in found:
        raw = event.model_dump_json()
        assert PASSWORD not in raw and "t-ana" not in raw and ANA_HASH not in raw
    return found


def test_anonymous_pages_offer_the_sign_in_page(client):
    assert '<a href="/login">登录</a>' in client.get("/").text
    page = client.get("/login")
    assert page.status_code == 200 and 'type="password"' in page.text and csrf(page.text)
    cookie = page.headers["set-cookie"].lower()
    assert cookie.startswith("yuqing_csrf=") and "httponly" in cookie and "samesite=lax" in cookie
    assert "<script" not in page.text and "style=" not in page.text


def test_password_sign_in_gives_a_signed_session_not_the_secret(client, store):
    response = sign_in(client, user="ana", password=PASSWORD, next="/alerts/a1")
    assert response.status_code == 303 and response.headers["location"] == "/alerts/a1"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("yuqing_session=") and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()
    assert PASSWORD not in cookie and "t-ana" not in cookie and ANA_HASH.split("$")[-1] not in cookie
    page = client.get("/alerts/a1").text
    assert "ana (analyst)" in page and "13812345678" in page and 'action="/logout"' in page
    assert [e.action for e in all_events(store)] == ["view_personal_data", "sign_in"]
    event = all_events(store)[1]
    assert (event.who, event.role, event.target_kind) == ("ana", "analyst", "session") and "密码" in event.detail


def test_token_sign_in_through_the_form(client):
    assert sign_in(client, token="t-root").status_code == 303
    assert "root (admin)" in client.get("/").text


def test_failed_sign_ins_are_401_and_recorded_without_what_was_typed(client, store):
    wrong = sign_in(client, user="ana", password="not-the-password")
    assert wrong.status_code == 401 and "登录失败" in wrong.text and "yuqing_session" not in wrong.headers.get(
        "set-cookie", "")
    assert sign_in(client, user=PASSWORD, password=PASSWORD).status_code == 401  # the password in the name field
    assert sign_in(client, token="t-nobody").status_code == 401
    assert sign_in(client, user="ana").status_code == 401  # no password at all
    assert "ana (analyst)" not in client.get("/").text
    events = all_events(store)
    assert [e.action for e in events] == ["sign_in_failed"] * 3
    assert [(e.who, e.detail) for e in reversed(events)] == [
        ("ana", "登录页（密码）：密码错误"), ("anonymous", "登录页（密码）：未知用户"), ("anonymous", "登录页（令牌）：令牌无效")]
    assert all("t-nobody" not in e.model_dump_json() for e in events)


def test_posts_need_the_sessions_csrf_token(client, store):
    assert client.post("/login", data={"user": "ana", "password": PASSWORD}, headers=OWN).status_code == 403
    assert sign_in(client, user="ana", password=PASSWORD).status_code == 303
    token = csrf(client.get("/alerts/a1").text)
    for data in ({"note": "x"}, {"note": "x", "csrf_token": "forged"}):
        response = client.post("/alerts/a1/ack", data=data, headers=OWN, follow_redirects=False)
        assert response.status_code == 403 and "CSRF" in response.text
    other = TestClient(client.app)  # another browser's valid token is not this session's
    sign_in(other, user="ana", password=PASSWORD)
    response = client.post("/alerts/a1/ack", data={"csrf_token": csrf(other.get("/alerts/a1").text)}, headers=OWN,
                           follow_redirects=False)
    assert response.status_code == 403
    assert store.get_record("alerts", "a1").state == "new"
    response = client.post("/alerts/a1/ack", data={"note": "收到", "csrf_token": token}, headers=OWN,
                           follow_redirects=False)
    assert response.status_code == 303 and store.get_record("alerts", "a1").state == "acknowledged"
    response = client.post("/alerts/a1/dispatch", data={}, headers={**OWN, "X-CSRF-Token": token},
                           follow_redirects=False)
    assert response.status_code == 303


def test_sign_out_ends_the_session_for_good(client, store):
    sign_in(client, user="ana", password=PASSWORD)
    stolen = client.cookies.get("yuqing_session")
    token = csrf(client.get("/").text)
    response = client.post("/logout", data={"csrf_token": token}, headers=OWN, follow_redirects=False)
    assert response.status_code == 303 and 'yuqing_session=""' in response.headers["set-cookie"]
    assert '<a href="/login">登录</a>' in client.get("/").text
    client.cookies.set("yuqing_session", stolen)  # a copy of the cookie no longer works
    assert client.get("/").status_code == 401
    assert [e.action for e in all_events(store)][:2] == ["sign_in_failed", "sign_out"]


def test_forged_foreign_expired_and_outdated_sessions_are_refused(store):
    sessions = Sessions(b"test-key", 12)
    client = TestClient(make_app(store, sessions))
    users = load_config(None, [USERS], environ={"ANA_HASH": ANA_HASH})["web.users"]
    good, _ = sessions.issue("ana", users["ana"])
    head, payload, signature = good.split(".")
    forged_payload = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    foreign, _ = Sessions(b"another-key", 12).issue("ana", users["ana"])
    expired, _ = sessions.issue("ana", users["ana"], now=time.time() - 13 * 3600)
    for value in (f"{head}.{forged_payload}.{signature}", foreign, expired):
        client.cookies.set("yuqing_session", value)
        response = client.get("/alerts")
        assert response.status_code == 401 and "登录" in response.text
        assert 'yuqing_session=""' in response.headers["set-cookie"]
    assert [e.action for e in all_events(store)] == ["sign_in_failed"] * 2  # an expired session is no attack
    client.cookies.set("yuqing_session", expired)  # the way back in is open: dropped, not refused
    login = client.get("/login")
    assert login.status_code == 200 and 'yuqing_session=""' in str(login.headers.get_list("set-cookie"))
    client.cookies.set("yuqing_session", good)
    assert "ana (analyst)" in client.get("/alerts").text
    # a new password makes the sessions signed in with the old one worthless
    changed = make_app(store, sessions, environ={"ANA_HASH": hash_password("another-password")})
    assert TestClient(changed, cookies={"yuqing_session": good}).get("/alerts").status_code == 401


def test_the_session_cookie_is_secure_over_https_and_next_stays_on_site(store):
    client = TestClient(make_app(store), base_url="https://testserver")
    token = csrf(client.get("/login").text)
    response = client.post("/login", data={"csrf_token": token, "token": "t-ana", "next": "//evil.example/x"},
                           headers={"Origin": "https://testserver"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert "secure" in response.headers["set-cookie"].lower()


def test_hash_password_reads_stdin_and_prints_a_salted_hash():
    command = [sys.executable, "-m", "yuqing.users", "hash-password"]
    first = subprocess.run(command, input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    second = subprocess.run(command, input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert first.returncode == 0 and first.stdout.startswith("scrypt$")
    hashed = first.stdout.strip()
    assert verify_password(PASSWORD, hashed) and not verify_password(PASSWORD + "x", hashed)
    assert hashed != second.stdout.strip()  # salted
    assert PASSWORD not in first.stdout + first.stderr
    pbkdf2 = subprocess.run(command + ["--algorithm", "pbkdf2"], input=PASSWORD, capture_output=True, text=True,
                            timeout=60)
    assert pbkdf2.stdout.startswith("pbkdf2_sha256$") and verify_password(PASSWORD, pbkdf2.stdout.strip())
    short = subprocess.run(command, input="abc\n", capture_output=True, text=True, timeout=60)
    assert short.returncode == 1 and "too short" in short.stderr and not short.stdout
    bad = load_config  # a hash that is not one is refused when the config is loaded
    with pytest.raises(Exception, match="password_hash is not a hash"):
        bad(None, ["web.users={ana: {role: analyst, password_hash: hunter2}}"])
