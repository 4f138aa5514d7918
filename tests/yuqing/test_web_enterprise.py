"""The enterprise pages (企业) in process: the list with current scores, one enterprise's page (its series
for the charts, its scores with the signals behind each, its card, its incidents, its posts and tickets),
and the incident page linking back — street scope, masking per role, escaping of hostile post text, the
audit log; on SQLite, and once on Elasticsearch."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from web_seed_enterprise import LH_PHONE, PHONE, seed  # noqa: E402

from governance import audit  # noqa: E402
from yuqing.config import load_config  # noqa: E402
from yuqing.app.web.app import create_app  # noqa: E402

USERS = ("web.users={ana: {role: analyst, token: t-ana}, vic: {role: viewer, token: t-vic}, "
         "mz: {role: analyst, token: t-mz, streets: [民治街道]}}")
ANA, VIC, MZU = ({"Authorization": f"Bearer {t}"} for t in ("t-ana", "t-vic", "t-mz"))
MASKED = "138****5678"


def _client(store):
    return TestClient(create_app(load_config(None, [USERS]), store))


@pytest.fixture
def seeded(sqlite_store, tmp_path):
    ids = seed(sqlite_store, tmp_path)
    return _client(sqlite_store), ids


def _chart_blocks(html: str) -> list[dict]:
    blocks = html.split('<script type="application/json" id="chart-data-')[1:]
    return [json.loads(b.split(">", 1)[1].split("</script>", 1)[0]) for b in blocks]


def test_the_list_shows_current_scores_warnings_first(seeded):
    client, ids = seeded
    page = client.get("/enterprises", headers=ANA)
    assert page.status_code == 200
    text = page.text
    assert '<a href="/enterprises">企业</a>' in text  # the nav link
    assert "2026-07" in text and text.index("深圳市鑫达电子有限公司") < text.index("深圳市宏兴五金有限公司")
    row = text.split("深圳市鑫达电子有限公司", 1)[1].split("</tr>", 1)[0]
    assert "100 预警" in row and "39" in row and "16" in row
    found = client.get("/enterprises?q=宏兴", headers=ANA).text
    assert "深圳市宏兴五金有限公司" in found and "深圳市鑫达电子有限公司" not in found


def test_an_enterprise_page_shows_its_series_scores_signals_card_incidents_posts_and_tickets(seeded):
    client, ids = seeded
    page = client.get(f"/enterprises/{ids['xinda']}", headers=ANA)
    assert page.status_code == 200
    text = page.text
    charts = _chart_blocks(text)
    assert [c["title"] for c in charts][:3] == ["参保人数与社保缴费", "用电量与用水量", "12345 工单与劳动监察案件"]
    staff = charts[0]
    assert staff["kind"] == "lines" and staff["buckets"] == [f"2026-0{m}" for m in range(1, 8)]
    assert staff["series"][0]["name"] == "参保人数" and staff["series"][0]["data"][-2:] == [120, 90]
    scores = charts[-1]
    assert scores["thresholds"] == {"欠薪评分": 41, "停工评分": 50, "外迁评分": 20}
    assert 'src="/static/vendor/echarts/echarts.common.min.js"' in text
    arrears = text.split('data-risk="wage_arrears"', 1)[1].split('data-risk="shutdown"', 1)[0]
    for words in ("100 分 · 预警", "预警线 41", "社保欠缴占应缴 45%", "参保人数比基线下降 25%", "关联帖文/工单 3 条含欠薪/讨薪字样"):
        assert words in arrears, words
    assert f'href="/alerts/{ids["card"]}"' in text and "企业欠薪风险：深圳市鑫达电子有限公司" in text
    assert 'href="/incidents/inc-xinda"' in text and "inc-hongxing" not in text
    posts, tickets = text.split("<h3>关联帖文", 1)[1].split("<h3>12345 工单", 1)
    assert "拖欠工资两个月" in posts and "门口又有工人聚集讨薪" in posts and "请劳动监察介入" in tickets
    assert "请劳动监察介入" not in posts and "简称 鑫达电子" in posts and "全称 深圳市鑫达电子有限公司" in tickets
    assert "宏兴" not in posts


def test_hostile_post_text_is_escaped_and_links_are_http_only(seeded):
    client, ids = seeded
    for headers in (ANA, VIC):
        text = client.get(f"/enterprises/{ids['xinda']}", headers=headers).text
        assert "&lt;script&gt;alert(" in text and "<script>alert" not in text and "<img src=x" not in text
        assert 'href="javascript:' not in text and 'href="https://bbs.example.cn/t/1"' in text


def test_posts_are_masked_for_a_viewer_and_an_analyst_seeing_them_is_audited(seeded, sqlite_store):
    client, ids = seeded
    viewer = client.get(f"/enterprises/{ids['xinda']}", headers=VIC).text
    assert PHONE not in viewer and MASKED in viewer
    assert not audit.find(sqlite_store, actions=["view_personal_data"])
    analyst = client.get(f"/enterprises/{ids['xinda']}", headers=ANA).text
    assert PHONE in analyst  # an analyst sees it: the mask did the work above
    [event] = audit.find(sqlite_store, actions=["view_personal_data"])
    # the audit log masks every run of digits, a credit code's too: the detail names the enterprise
    assert event.who == "ana" and event.target_kind == "enterprises" and "深圳市鑫达电子有限公司" in event.detail


def test_a_scoped_analyst_sees_only_their_streets_enterprises(seeded):
    client, ids = seeded
    listing = client.get("/enterprises", headers=MZU).text
    assert "深圳市鑫达电子有限公司" in listing and "宏兴" not in listing
    assert "宏兴" not in client.get("/enterprises?q=宏兴", headers=MZU).text.split("<table", 1)[1]
    other = client.get(f"/enterprises/{ids['hongxing']}", headers=MZU)
    absent = client.get("/enterprises/91440300MA5000099X", headers=MZU)
    assert other.status_code == absent.status_code == 404 and other.text == absent.text
    page = client.get(f"/enterprises/{ids['xinda']}", headers=MZU).text
    assert LH_PHONE not in page and "inc-hongxing" not in page
    assert client.get(f"/enterprises/{ids['hongxing']}", headers=ANA).status_code == 200


def test_the_incident_page_and_the_enterprise_page_show_each_other(seeded):
    client, ids = seeded
    incident = client.get("/incidents/inc-xinda", headers=MZU).text
    card = incident.split('id="enterprises"', 1)[1].split("</div></div>", 1)[0]
    assert f'href="/enterprises/{ids["xinda"]}"' in card and "深圳市鑫达电子有限公司" in card and "2 条帖文" in card
    other = client.get("/incidents/inc-hongxing", headers=ANA).text
    assert f'href="/enterprises/{ids["hongxing"]}"' in other and ids["xinda"] not in other
    assert 'href="/incidents/inc-hongxing"' in client.get(f"/enterprises/{ids['hongxing']}", headers=ANA).text
    plain = client.get("/incidents/inc-xinda", headers=VIC).text  # the incident page for every role
    assert 'id="enterprises"' in plain


def test_the_enterprise_pages_on_elasticsearch(es_store, tmp_path):
    ids = seed(es_store, tmp_path)
    client = _client(es_store)
    page = client.get(f"/enterprises/{ids['xinda']}", headers=ANA).text
    assert "社保欠缴占应缴 45%" in page and 'href="/incidents/inc-xinda"' in page and f'/alerts/{ids["card"]}' in page
    assert _chart_blocks(page)[0]["series"][0]["data"][-1] == 90
    assert f'href="/enterprises/{ids["xinda"]}"' in client.get("/incidents/inc-xinda", headers=ANA).text
    listing = client.get("/enterprises", headers=MZU).text
    assert "深圳市鑫达电子有限公司" in listing and "宏兴" not in listing
