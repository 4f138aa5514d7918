"""Merging and splitting incidents from the incident page, in process on both stores: what an analyst
does and sees, who may act (a viewer or responder sees no form and is refused), the CSRF token and
origin of a browser's form, street scope, and a page gone stale since the analyst opened it."""
from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from web_seed import INCIDENT, LH, MZ, START, USERS, seed  # noqa: E402

from clustering import manual  # noqa: E402
from governance import audit  # noqa: E402
from yuqing.config import load_config  # noqa: E402
from yuqing.records import Alert, Analysis, Document, Incident  # noqa: E402
from yuqing.app.web.app import create_app  # noqa: E402

ROAD = "inc-road"
EDIT_USERS = USERS[:-1] + ", res: {role: responder, token: t-res}}"
ANA, VIC, MZU, RES, ROOT = ({"Authorization": f"Bearer {t}"} for t in ("t-ana", "t-vic", "t-mz", "t-res", "t-root"))
ORIGIN = {"Origin": "http://testserver"}


def seed_road(store) -> None:
    """A second 民治 incident the engine kept apart: the same rain, seen from 民治大道."""
    docs = [Document(id=f"r{i}", text=f"民治大道人民路口积水，第{i}辆车熄火", published_at=START + timedelta(hours=40 + i),
                     source="weibo", author=f"车主{i}", url=f"https://weibo.example.cn/r{i}") for i in range(6)]
    store.put_documents(docs)
    store.put_analyses([Analysis(id=d.id, sentiment={"label": "negative", "score": 0.9},
                                 categories=[{"label": "natural_disaster", "score": 0.9}],
                                 location={"district": "龙华区", "street": MZ, "confidence": 0.9}) for d in docs])
    store.put_records("incidents", [Incident(
        id=ROAD, label="民治街道 民治大道 积水 熄火", keywords=["积水", "熄火"], doc_ids=[d.id for d in docs],
        first_seen=docs[0].published_at, last_seen=docs[-1].published_at, size=6, category="natural_disaster",
        streets=[MZ], state="growing")])
    store.put_records("alerts", [Alert(id="a-road", rule="incident_growth", severity="orange", title="民治大道积水升温",
                                       incident_id=ROAD, doc_ids=["r0"], street=MZ, category="natural_disaster",
                                       created_at=START + timedelta(hours=41), dedup_key=f"incident:{ROAD}")])
    store.flush()


@pytest.fixture
def client(store):
    seed(store)
    seed_road(store)
    client = TestClient(create_app(load_config(None, [EDIT_USERS]), store))
    client.store = store
    return client


def revision_on(page: str) -> str:
    return re.search(r'name="revision" value="([^"]+)"', page).group(1)


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def merged_into(store, incident_id):
    return getattr(store.get_record("incidents", incident_id), "merged_into", None)


# --- what an analyst does -------------------------------------------------------------------------------

def test_an_analyst_merges_two_incidents_and_both_pages_show_it(client):
    page = client.get(f"/incidents/{INCIDENT}", headers=ANA).text
    assert 'id="merge-form"' in page and f'<option value="{ROAD}">' in page and 'id="split-form"' in page
    done = client.post(f"/incidents/{INCIDENT}/merge", headers=ANA, follow_redirects=False,
                       data={"other": ROAD, "keep": "this", "revision": revision_on(page), "note": "同一场暴雨"})
    assert done.status_code == 303 and done.headers["location"].startswith(f"/incidents/{INCIDENT}?msg=")
    kept = client.get(done.headers["location"], headers=ANA).text
    assert "已合并：民治街道 民治大道 积水 熄火 并入 民治街道 暴雨 内涝 积水" in kept
    assert "合并自" in kept and f'href="/incidents/{ROAD}"' in kept and "合并了事件" in kept and "同一场暴雨" in kept
    assert "民治大道积水升温" in kept  # the merged incident's card is the kept one's now
    assert client.get(done.headers["location"], headers=ANA).text.count("已合并：") == 0  # the message once
    away = client.get(f"/incidents/{ROAD}", headers=ANA).text
    assert 'id="merged-banner"' in away and "由 ana 于" in away and "人工并入" in away
    assert 'id="merge-form"' not in away and 'id="split-form"' not in away
    assert merged_into(client.store, ROAD) == INCIDENT
    assert {"r0", "d0"} <= set(client.store.get_record("incidents", INCIDENT).doc_ids)
    card = client.store.get_record("alerts", "a-road")
    assert card.incident_id == INCIDENT and card.history[-1].who == "ana"
    [event] = audit.find(client.store, actions=["incident_merge"])
    assert (event.who, event.role, event.target_id, event.client) == ("ana", "analyst", INCIDENT, "testclient")


def test_the_page_can_merge_its_incident_into_the_other(client):
    page = client.get(f"/incidents/{ROAD}", headers=ROOT).text  # an admin may too
    done = client.post(f"/incidents/{ROAD}/merge", headers=ROOT, follow_redirects=False,
                       data={"other": INCIDENT, "keep": "other", "revision": revision_on(page)})
    assert done.status_code == 303 and done.headers["location"].startswith(f"/incidents/{INCIDENT}?msg=")
    assert merged_into(client.store, ROAD) == INCIDENT


def test_an_analyst_splits_a_group_of_posts_into_a_new_incident(client):
    page = client.get(f"/incidents/{INCIDENT}", headers=ANA).text
    # d0 heads the group of its reposts (d4, d8, …): a checked row moves the whole group
    assert 'name="doc" value="d0" form="split-form"' in page
    done = client.post(f"/incidents/{INCIDENT}/split", headers=ANA, follow_redirects=False,
                       data={"doc": ["d0"], "revision": revision_on(page), "note": "这些是转发的旧消息"})
    assert done.status_code == 303
    child_id = done.headers["location"].split("?")[0].rsplit("/", 1)[1]
    child = client.store.get_record("incidents", child_id)
    assert set(child.doc_ids) == {f"d{i}" for i in range(0, 40, 4)} and child.split_from == INCIDENT
    source = client.store.get_record("incidents", INCIDENT)
    assert not set(child.doc_ids) & set(source.doc_ids) and len(source.doc_ids) == 30
    shown = client.get(done.headers["location"], headers=ANA).text
    assert "已拆分：10 篇帖子移到新事件" in shown and "拆自" in shown and f'href="/incidents/{INCIDENT}"' in shown
    assert "这些是转发的旧消息" in shown
    back = client.get(f"/incidents/{INCIDENT}", headers=ANA).text
    assert "拆出" in back and f'href="/incidents/{child_id}"' in back
    [event] = audit.find(client.store, actions=["incident_split"])
    assert event.who == "ana" and "10 篇" in event.detail


def test_posts_moved_to_an_existing_incident(client):
    page = client.get(f"/incidents/{INCIDENT}", headers=ANA).text
    done = client.post(f"/incidents/{INCIDENT}/split", headers=ANA, follow_redirects=False,
                       data={"doc": ["d5", "d6"], "into": ROAD, "revision": revision_on(page)})
    assert done.status_code == 303 and done.headers["location"].startswith(f"/incidents/{ROAD}?msg=")
    assert {"d5", "d6"} <= set(client.store.get_record("incidents", ROAD).doc_ids)
    assert "已拆分：2 篇帖子移到事件" in client.get(done.headers["location"], headers=ANA).text


def test_nothing_chosen_or_a_whole_incident_is_refused_with_a_message(client):
    page = client.get(f"/incidents/{ROAD}", headers=ANA).text
    empty = client.post(f"/incidents/{ROAD}/split", headers=ANA, data={"revision": revision_on(page)})
    assert "请先在帖子列表中勾选要拆出的帖子" in empty.text
    everything = client.post(f"/incidents/{ROAD}/split", headers={**ANA, "Accept": "application/json"},
                             data={"doc": [f"r{i}" for i in range(6)], "revision": revision_on(page)})
    assert everything.status_code == 400 and "leave at least one post" in everything.json()["error"]["message"]
    no_revision = client.post(f"/incidents/{ROAD}/merge", headers=ANA, data={"other": INCIDENT})
    assert "表单缺少事件版本" in no_revision.text and merged_into(client.store, ROAD) is None


# --- who may act ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", [VIC, RES], ids=["viewer", "responder"])
def test_anyone_but_analysts_and_admins_sees_no_form_and_is_refused(client, who):
    page = client.get(f"/incidents/{INCIDENT}", headers=who).text
    assert "纠正聚类" not in page and 'id="split-form"' not in page and 'form="split-form"' not in page
    revision = manual.revision(client.store.get_record("incidents", INCIDENT))
    for path, data in ((f"/incidents/{INCIDENT}/merge", {"other": ROAD, "revision": revision}),
                       (f"/incidents/{INCIDENT}/split", {"doc": ["d1"], "revision": revision})):
        refused = client.post(path, headers=who, data=data, follow_redirects=False)
        assert refused.status_code == 403 and "只有分析员和管理员" in refused.text
    assert merged_into(client.store, ROAD) is None and "d1" in client.store.get_record("incidents", INCIDENT).doc_ids
    assert audit.find(client.store, actions=["incident_merge", "incident_split"]) == []


def test_a_browser_form_needs_its_csrf_token_and_the_services_origin(client):
    client.get(f"/incidents/{INCIDENT}?token=t-ana")  # a browser session (cookie), as from the sign-in link
    page = client.get(f"/incidents/{INCIDENT}").text
    form = {"other": ROAD, "revision": revision_on(page)}
    missing = client.post(f"/incidents/{INCIDENT}/merge", data=form, headers=ORIGIN, follow_redirects=False)
    forged = client.post(f"/incidents/{INCIDENT}/merge", data={**form, "csrf_token": "forged"}, headers=ORIGIN,
                         follow_redirects=False)
    foreign = client.post(f"/incidents/{INCIDENT}/merge", data={**form, "csrf_token": csrf(page)},
                          headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert missing.status_code == forged.status_code == foreign.status_code == 403
    assert merged_into(client.store, ROAD) is None
    done = client.post(f"/incidents/{INCIDENT}/merge", data={**form, "csrf_token": csrf(page)}, headers=ORIGIN,
                       follow_redirects=False)
    assert done.status_code == 303 and merged_into(client.store, ROAD) == INCIDENT


# --- street scope ------------------------------------------------------------------------------------------

def test_a_scoped_analyst_acts_only_within_their_streets(client):
    page = client.get(f"/incidents/{INCIDENT}", headers=MZU).text
    assert 'id="merge-form"' in page and "inc-wages" not in page and LH not in page  # never offered
    revision = revision_on(page)
    for path, data in ((f"/incidents/{INCIDENT}/merge", {"other": "inc-wages", "revision": revision}),
                       (f"/incidents/{INCIDENT}/merge", {"other": "inc-wages", "keep": "other", "revision": revision}),
                       (f"/incidents/{INCIDENT}/split", {"doc": ["d1"], "into": "inc-wages", "revision": revision})):
        refused = client.post(path, headers={**MZU, "Accept": "application/json"}, data=data)
        assert refused.status_code == 404, path
    for path in ("/incidents/inc-wages/merge", "/incidents/inc-wages/split"):
        other, absent = (client.post(p, headers=MZU, data={"other": INCIDENT, "doc": ["d50"], "revision": "x"})
                         for p in (path, path.replace("inc-wages", "inc-nothing")))
        assert other.status_code == absent.status_code == 404 and other.text == absent.text
    assert merged_into(client.store, "inc-wages") is None and merged_into(client.store, INCIDENT) is None
    assert "d1" in client.store.get_record("incidents", INCIDENT).doc_ids
    ok = client.post(f"/incidents/{INCIDENT}/merge", headers=MZU, follow_redirects=False,
                     data={"other": ROAD, "revision": revision})
    assert ok.status_code == 303 and merged_into(client.store, ROAD) == INCIDENT


# --- a page gone stale ----------------------------------------------------------------------------------------

def test_a_page_opened_before_another_analysts_change_is_refused_and_says_to_reload(client):
    page = client.get(f"/incidents/{INCIDENT}", headers=ANA).text
    manual.split(client.store, INCIDENT, ["d3"], by="root")  # meanwhile, at another desk
    refused = client.post(f"/incidents/{INCIDENT}/merge", headers=ANA, follow_redirects=False,
                          data={"other": ROAD, "revision": revision_on(page)})
    assert refused.status_code == 303 and refused.headers["location"].endswith("#edit")
    shown = client.get(refused.headers["location"], headers=ANA).text
    assert "此事件在你打开页面后已有变动" in shown and "请刷新页面后再操作" in shown and "flash-error" in shown
    assert merged_into(client.store, ROAD) is None
    as_json = client.post(f"/incidents/{INCIDENT}/split", headers={**ANA, "Accept": "application/json"},
                          data={"doc": ["d1"], "revision": revision_on(page)})
    assert as_json.status_code == 409 and "d1" in client.store.get_record("incidents", INCIDENT).doc_ids
    fresh = client.get(f"/incidents/{INCIDENT}", headers=ANA).text  # reloaded: it works
    assert client.post(f"/incidents/{INCIDENT}/split", headers=ANA, follow_redirects=False,
                       data={"doc": ["d1"], "revision": revision_on(fresh)}).status_code == 303
    assert "d1" not in client.store.get_record("incidents", INCIDENT).doc_ids
