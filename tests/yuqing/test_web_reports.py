"""The briefings archive page (简报) in process: the list, one report's page and files, writing a report
now from the page — street scope, roles, CSRF, the audit log, escaping of hostile post text, and the PDF
read back with pdftotext; on SQLite, and once on Elasticsearch."""
from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "briefings"))
from story import ADDRESS, PHONE, T, fill  # noqa: E402

from briefings import archive  # noqa: E402
from governance import audit  # noqa: E402
from yuqing.config import load_config  # noqa: E402
from yuqing.records import Analysis, Document, Incident  # noqa: E402
from yuqing.app.web.app import create_app  # noqa: E402
from yuqing.app.web.views.reports import PRINT_CSP  # noqa: E402

DAY = date(2026, 7, 20)
MZ, GL = "民治街道", "观澜街道"
USERS = ("web.users={ana: {role: analyst, token: t-ana}, vic: {role: viewer, token: t-vic}, "
         "res: {role: responder, token: t-res}, mz: {role: analyst, token: t-mz, streets: [民治街道]}}")
ANA, VIC, RES, MZU = ({"Authorization": f"Bearer {t}"} for t in ("t-ana", "t-vic", "t-res", "t-mz"))
HOSTILE = "<script>alert('xss')</script><img src=x onerror=alert(1)>"


def _app(store):
    return TestClient(create_app(load_config(None, [USERS, "cases.search_mode=lexical"]), store))


@pytest.fixture
def client(sqlite_store):
    fill(sqlite_store)
    return _app(sqlite_store)


@pytest.fixture
def archived(sqlite_store, client):
    """Three daily reports of the story's day: 民治街道's, 观澜街道's and one over every street."""
    config = load_config(None)
    return {name: archive.generate(config, sqlite_store, "daily", day=DAY, streets=streets)["id"]
            for name, streets in (("mz", [MZ]), ("gl", [GL]), ("all", []))}


def _pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


# --- the archive and street scope -----------------------------------------------------------------

def test_the_archive_lists_every_report_with_its_files(client, archived):
    page = client.get("/reports", headers=ANA)
    assert page.status_code == 200
    for report_id in archived.values():
        assert f'href="/reports/{report_id}"' in page.text and f"/reports/{report_id}/pdf" in page.text
    assert "民治街道舆情日报" in page.text and "辖区舆情日报" in page.text and "2026年7月20日" in page.text
    assert '<a href="/reports">简报</a>' in page.text  # the nav link
    assert 'name="csrf_token"' in page.text and 'action="/reports"' in page.text  # the form, for an analyst
    weekly_only = client.get("/reports?kind=weekly", headers=ANA).text
    assert archived["mz"] not in weekly_only


def test_a_scoped_analyst_sees_only_reports_of_their_streets(client, archived):
    page = client.get("/reports", headers=MZU).text
    assert archived["mz"] in page
    assert archived["gl"] not in page and archived["all"] not in page and "观澜" not in page.split("<table")[1]
    assert client.get(f"/reports/{archived['mz']}", headers=MZU).status_code == 200
    for other in (archived["gl"], archived["all"]):  # another street's, or every street's: as if absent
        for path in (f"/reports/{other}", f"/reports/{other}/pdf"):
            refused, absent = client.get(path, headers=MZU), client.get(path.replace(other, "daily-nothing"), headers=MZU)
            assert refused.status_code == absent.status_code == 404 and refused.text == absent.text
        assert client.get(f"/reports/{other}", headers=ANA).status_code == 200


def test_a_report_page_shows_its_sections_citations_and_charts(client, archived):
    page = client.get(f"/reports/{archived['all']}", headers=VIC)
    assert page.status_code == 200
    text = page.text
    for words in ("总体情况", "重点事件1：民治街道 暴雨 内涝 积水", "各街道情况", "逾期督办事项", "[al-flood]", "<svg"):
        assert words in text, words
    assert PHONE not in text and ADDRESS not in text  # the report was masked when written, for every role
    assert "138****1111" in text
    assert "<script" not in text.lower()  # the page runs nothing


def test_the_printable_html_keeps_its_stylesheet_but_runs_nothing(client, archived):
    got = client.get(f"/reports/{archived['mz']}/html", headers=ANA)
    assert got.status_code == 200 and got.headers["content-security-policy"] == PRINT_CSP
    assert "<style>" in got.text and "民治街道舆情日报" in got.text and "<script" not in got.text.lower()
    assert client.get(f"/reports/{archived['mz']}/exe", headers=ANA).status_code == 404


# --- writing a report from the page ---------------------------------------------------------------

def test_writing_a_daily_report_from_the_page_files_it_and_its_pdf_holds_the_chinese(client, sqlite_store,
                                                                                     tmp_path):
    assert archive.recent(sqlite_store) == []
    done = client.post("/reports", data={"kind": "daily", "date": "2026-07-20", "street": [MZ]}, headers=ANA,
                       follow_redirects=False)
    assert done.status_code == 303
    report_id = done.headers["location"].rsplit("/", 1)[1]
    [record] = archive.recent(sqlite_store)
    assert record.id == report_id and record.kind == "daily" and record.streets == [MZ]
    assert record.period_start == "2026-07-20T00:00:00+08:00"
    [event] = audit.find(sqlite_store, actions=["generate_report"])
    assert event.who == "ana" and event.target_id == report_id and "民治街道舆情日报" in event.detail
    assert report_id in client.get("/reports", headers=ANA).text
    pdf = client.get(f"/reports/{report_id}/pdf", headers=ANA)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    flat = _pdf_text(pdf.content, tmp_path)
    for words in ("民治街道舆情日报", "总体情况", "重点事件1：民治街道暴雨内涝积水", "逾期督办事项", "138****1111"):
        assert words in flat, words
    assert PHONE not in flat and "观澜工厂欠薪" not in flat  # 民治街道's report only
    docx = client.get(f"/reports/{report_id}/docx", headers=ANA)
    assert "attachment" in docx.headers["content-disposition"]
    from docx import Document as Word

    headings = [p.text for p in Word(io.BytesIO(docx.content)).paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "总体情况" and "逾期督办事项" in headings
    exports = audit.find(sqlite_store, actions=["export"])
    assert {e.detail.rsplit(" ", 1)[1] for e in exports} == {"PDF", "Word"} and all(e.who == "ana" for e in exports)


def test_only_analysts_write_reports(client, sqlite_store):
    form = {"kind": "daily", "date": "2026-07-20"}
    assert client.post("/reports", data=form, headers=VIC).status_code == 403
    assert client.post("/reports", data=form, headers=RES).status_code == 403
    assert archive.recent(sqlite_store) == []
    assert 'action="/reports"' not in client.get("/reports", headers=VIC).text  # no form for a viewer
    assert client.post("/reports", data={"kind": "yearly"}, headers=ANA).status_code == 400
    bad = client.post("/reports", data={"kind": "daily", "date": "20.7.2026"}, headers=ANA)
    assert bad.status_code == 400 and "2026-07-20" in bad.text


def test_a_browser_form_needs_its_csrf_token(client, sqlite_store):
    client.get("/?token=t-ana")  # a browser session (cookie), as from the sign-in link
    origin = {"Origin": "http://testserver"}
    refused = client.post("/reports", data={"kind": "daily", "date": "2026-07-20"}, headers=origin)
    assert refused.status_code == 403 and archive.recent(sqlite_store) == []
    token = client.get("/reports").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    done = client.post("/reports", data={"kind": "weekly", "date": "2026-07-20", "csrf_token": token},
                       headers=origin, follow_redirects=False)
    assert done.status_code == 303 and archive.recent(sqlite_store)[0].kind == "weekly"


def test_a_scoped_analyst_writes_reports_of_their_streets_only(client, sqlite_store):
    refused = client.post("/reports", data={"kind": "daily", "date": "2026-07-20", "street": [GL]}, headers=MZU)
    assert refused.status_code == 403 and archive.recent(sqlite_store) == []
    assert client.post("/reports", data={"kind": "special", "incident": "inc-wages"}, headers=MZU).status_code == 404
    done = client.post("/reports", data={"kind": "daily", "date": "2026-07-20"}, headers=MZU, follow_redirects=False)
    assert done.status_code == 303
    [record] = archive.recent(sqlite_store)
    assert record.streets == [MZ]  # no street chosen: all of theirs, never every street
    assert client.get(done.headers["location"], headers=MZU).status_code == 200


def test_a_special_report_quotes_hostile_posts_escaped(client, sqlite_store, tmp_path):
    docs = [Document(id=f"h{i}", text=f"民治街道暴雨积水{HOSTILE}，联系{PHONE}（{i}）", published_at=T + timedelta(hours=i),
                     source="本地论坛", source_type="forum", url="javascript:alert(1)") for i in range(3)]
    sqlite_store.put_documents(docs)
    sqlite_store.put_analyses([Analysis.model_validate({
        "id": d.id, "sentiment": {"label": "negative", "score": 0.9}, "categories": [{"label": "natural_disaster",
                                                                                      "score": 0.9}],
        "location": {"street": MZ, "confidence": 0.9}, "keywords": []}) for d in docs])
    sqlite_store.put_records("incidents", [Incident(
        id="inc-hostile", label=f"民治街道 {HOSTILE}", keywords=["暴雨"], doc_ids=[d.id for d in docs], first_seen=T,
        last_seen=T + timedelta(hours=2), size=3, category="natural_disaster", streets=[MZ])])
    sqlite_store.flush()
    assert 'value="inc-hostile"' in client.get("/reports", headers=MZU).text  # offered for a special report
    done = client.post("/reports", data={"kind": "special", "incident": "inc-hostile"}, headers=MZU,
                       follow_redirects=False)
    assert done.status_code == 303
    for headers in (ANA, VIC, MZU):
        page = client.get(done.headers["location"], headers=headers).text
        assert "&lt;script&gt;alert(" in page and "<script>alert" not in page and "<img src=x" not in page
        assert PHONE not in page and "javascript:" not in page
    assert "<script>alert" not in client.get("/reports", headers=ANA).text
    flat = _pdf_text(client.get(done.headers["location"] + "/pdf", headers=ANA).content, tmp_path)
    assert "舆情专报" in flat and PHONE not in flat


# --- Elasticsearch ----------------------------------------------------------------------------------

def test_the_archive_page_on_elasticsearch(es_store, tmp_path):
    fill(es_store)
    client = _app(es_store)
    done = client.post("/reports", data={"kind": "daily", "date": "2026-07-20", "street": [GL]}, headers=ANA,
                       follow_redirects=False)
    assert done.status_code == 303
    es_store.flush()
    report_id = done.headers["location"].rsplit("/", 1)[1]
    assert report_id in client.get("/reports", headers=ANA).text
    assert report_id not in client.get("/reports", headers=MZU).text
    page = client.get(f"/reports/{report_id}", headers=ANA).text
    assert "观澜街道舆情日报" in page and "观澜街道 欠薪 工厂" in page
    assert "观澜街道舆情日报" in _pdf_text(client.get(f"/reports/{report_id}/pdf", headers=ANA).content, tmp_path)
