"""`yuqing report` as users run it: JSON figures against `yuqing stats`, PDF text, .docx headings, misuse."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from story import ADDRESS, PHONE, fill  # noqa: E402

from yuqing.storage.sqlite import SQLiteStore  # noqa: E402


def yuqing(*args):
    return subprocess.run([sys.executable, "-m", "yuqing", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=600, env=dict(os.environ, PYTHONUNBUFFERED="1"))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    path = folder / "store.sqlite"
    with SQLiteStore(path) as store:
        fill(store)
    return folder, ["-s", f"store.path={path}", "-s", "cases.search_mode=lexical",
                    "-s", f"briefings.folder={folder / 'briefings'}"]


def test_monthly_figures_match_yuqing_stats(scratch):
    _, common = scratch
    done = yuqing("report", "monthly", "--date", "2026-07-20", "--format", "json", *common)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    stats = yuqing("stats", "--format", "json", *common)
    assert stats.returncode == 0, stats.stderr[-2000:]
    stats = json.loads(stats.stdout)
    overview = next(f["data"] for f in report["figures"] if f["name"] == "overview")
    assert report["kind"] == "monthly" and report["period"]["start"] == "2026-07-01T00:00:00+08:00"
    # the story is all in July: the month's figures are the whole store's
    assert overview["documents"] == stats["documents"] == 35
    assert overview["analysed"] == stats["analyses"]
    assert overview["alerts"]["total"] == stats["alerts"] == 4
    assert overview["new_incidents"] == stats["incidents"] == 2
    with SQLiteStore(scratch[0] / "store.sqlite") as store:  # the report is kept in the archive
        kept = store.get_record("briefings", report["id"])
        assert kept is not None and kept.report == report


def test_daily_pdf_holds_the_chinese_text_masked(scratch):
    folder, common = scratch
    out = folder / "daily.pdf"
    done = yuqing("report", "daily", "--date", "2026-07-20", "--output", str(out), *common)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "辖区舆情日报" in done.stderr and str(out) in done.stderr
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    for words in ("辖区舆情日报", "总体情况", "重点事件1：民治街道暴雨内涝积水", "逾期督办事项", "各街道情况",
                  "观澜工厂欠薪", "[al-flood]", "138****1111"):
        assert words in flat, words
    assert PHONE not in flat and ADDRESS not in flat
    with SQLiteStore(folder / "store.sqlite") as store:  # a report leaving the service is audited
        events = [e for e in store.find_records("audit_events") if e.action == "export"]
        assert any(e.target_kind == "briefings" and "daily.pdf" in e.detail and e.who.startswith("cli")
                   for e in events), events


def test_docx_opens_with_the_same_headings(scratch):
    from docx import Document

    folder, common = scratch
    out = folder / "special.docx"
    done = yuqing("report", "special", "--incident", "inc-flood", "--output", str(out), "--format", "json", *common)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    document = Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s["heading"] for s in report["sections"]]
    assert document.paragraphs[0].text == report["title"]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "[al-flood]" in body and "[zhengzhou-720-rainstorm-2021]" in body  # citations as bracketed ids
    assert PHONE not in body and "138****1111" in body


def test_html_for_one_street(scratch):
    folder, common = scratch
    out = folder / "weekly.html"
    done = yuqing("report", "weekly", "--date", "2026-07-21", "--street", "观澜街道", "--output", str(out), *common)
    assert done.returncode == 0, done.stderr[-2000:]
    html = out.read_text(encoding="utf-8")
    assert "<title>观澜街道舆情周报</title>" in html and "2026年7月15日至7月21日" in html
    assert "民治街道暴雨" not in html and "<svg" in html  # another street's incident left out; the day chart


@pytest.mark.parametrize("args, words", [
    (["daily"], "--output FILE.html|.pdf|.docx, or --format json"),
    (["daily", "--output", "r.txt"], "r.txt: write the report as .html, .pdf or .docx"),
    (["daily", "--date", "20-07-2026", "--format", "json"], "write the date as YYYY-MM-DD"),
    (["special", "--format", "json"], "one of the arguments --incident --alert is required"),
])
def test_misuse_is_exit_2_with_a_sentence(scratch, args, words):
    done = yuqing("report", *args, *scratch[1])
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_unknown_alert_names_the_id(scratch):
    done = yuqing("report", "special", "--alert", "al-nope", "--format", "json", *scratch[1])
    assert done.returncode == 1 and "al-nope" in done.stderr and "Traceback" not in done.stderr
