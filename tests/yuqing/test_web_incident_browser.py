"""Merging and splitting incidents in a real browser: headless Chromium (Debian's, driven by Playwright)
against the real service over the web seed plus a second 民治 incident; the set-up is
``tests/browser_support.py``. Fails on any JavaScript console error, uncaught exception, failed request
or answer of 400 or more. Screenshots at 1400×900 go to ``.cache/screenshots/incident-*.png``."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import Service, browser, needs_chromium, open_page  # noqa: E402,F401  (fixtures)
from web_seed import INCIDENT, seed  # noqa: E402
from test_web_incident_edit import EDIT_USERS, ROAD, seed_road  # noqa: E402

from governance import audit  # noqa: E402

pytestmark = needs_chromium


@pytest.fixture
def service(request):
    store = request.getfixturevalue(getattr(request, "param", "sqlite_store"))
    seed(store)
    seed_road(store)
    running = Service(store, EDIT_USERS)
    running.store = store
    yield running
    running.server.stop()


def test_an_analyst_merges_two_incidents_and_splits_a_post_off_from_the_page(open_page, service):
    store = service.store
    ana = open_page("t-ana")
    page = ana.go(f"/incidents/{INCIDENT}")
    assert page.locator("#merge-form").is_visible() and page.locator("#split-submit").is_disabled()
    assert page.inner_text("#split-count") == "未选择帖子"
    ana.shot("incident-edit")

    # merge: the other 民治 incident is one event with this one
    page.select_option("#merge-form select[name=other]", ROAD)
    page.fill("#merge-form input[name=note]", "同一场暴雨，民治大道一带")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("#merge-form button")
    page.wait_for_load_state("networkidle")
    assert asked and "并入本事件" in asked[0]
    assert "已合并" in page.inner_text("#flash")
    lineage = page.inner_text("#lineage")
    assert "合并自" in lineage and "合并了事件" in lineage and "同一场暴雨" in lineage
    ana.shot("incident-merged")
    assert getattr(store.get_record("incidents", ROAD), "merged_into", None) == INCIDENT

    # the merged-away incident's page says where it went, and offers no forms
    page.click(f'#lineage a[href="/incidents/{ROAD}"]')
    page.wait_for_load_state("networkidle")
    banner = page.inner_text("#merged-banner")
    assert "由 ana 于" in banner and "人工并入" in banner and page.locator("#merge-form").count() == 0
    ana.shot("incident-merged-away")

    # split: one post is about something else
    page.click("#merged-banner a")
    page.wait_for_load_state("networkidle")
    row = page.locator('input[name=doc][value="d2"]')
    row.check()
    assert page.inner_text("#split-count") == "已选择 1 组帖子" and page.locator("#split-submit").is_enabled()
    page.fill("#split-form input[name=note]", "谣言帖，另作处理")
    ana.shot("incident-split-chosen")
    page.click("#split-submit")
    page.wait_for_load_state("networkidle")
    assert "已拆分：1 篇帖子移到新事件" in page.inner_text("#flash")
    assert "拆自" in page.inner_text("#lineage") and "谣言帖，另作处理" in page.inner_text("#lineage")
    ana.shot("incident-split")
    child_id = page.url.split("?")[0].rsplit("/", 1)[1]
    assert store.get_record("incidents", child_id).doc_ids == ["d2"]
    assert "d2" not in store.get_record("incidents", INCIDENT).doc_ids
    assert [e.action for e in audit.find(store, actions=["incident_merge", "incident_split"])] == [
        "incident_split", "incident_merge"]


def test_a_viewer_sees_the_lineage_but_no_forms(open_page, service):
    from clustering import manual

    manual.merge(service.store, INCIDENT, ROAD, by="ana", note="同一场暴雨")
    vic = open_page("t-vic")
    page = vic.go(f"/incidents/{INCIDENT}")
    assert "合并自" in page.inner_text("#lineage")
    assert page.locator("#edit").count() == 0 and page.locator("#split-form").count() == 0
    assert page.locator("input[name=doc]").count() == 0
