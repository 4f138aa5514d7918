"""yuqing.io.read_jsonl against hostile JSONL (security review, issue 13): a bad line costs only that
line, is reported with file and line, and the rest is read. The commands that read JSONL through it
(``yuqing rescue``, ``analyze``, ``cluster``, ``alerts test-rule``) are run as a user runs them: a
subprocess, without -q, output to a pipe."""
import io
import json
import os
import subprocess
import sys

import pytest

from yuqing.importer import MAX_LINE_BYTES, MAX_TEXT_CHARS
from yuqing.io import ErrorReport, open_input, read_documents, read_jsonl
from yuqing.records import Analysis, Document

WHEN = "2023-09-07T20:15:00+08:00"
TEXTS = {"g1": "龙华区民治街道阳光小区3栋被困4人，水已经到腰了，电话13800001111",
         "g2": "观澜街道某工业园宿舍积水，老人无法转移，联系13900002222",
         "g3": "大浪街道浪口社区停电，孕妇需要送医，电话13700003333"}


def good_doc(doc_id):
    return json.dumps({"id": doc_id, "text": TEXTS[doc_id], "published_at": WHEN}, ensure_ascii=False).encode()


def good_analysis(doc_id):
    phone = TEXTS[doc_id][-11:]
    return json.dumps({
        "id": doc_id, "sentiment": {"label": "negative", "score": 0.9},
        "categories": [{"label": "natural_disaster", "score": 0.9}],
        "rescue": {"is_request": True, "score": 0.95, "phones": [phone], "address": TEXTS[doc_id][:8],
                   "people_count": 2, "vulnerable": [], "needs": ["evacuation"], "urgency": 0.8},
        "harmful": None, "location": {"province": "广东省", "city": "深圳市", "district": "龙华区",
                                      "street": None, "confidence": 0.5},
        "keywords": []}, ensure_ascii=False).encode()


def doc_line(extra: bytes = b"", text: bytes = b"ok") -> bytes:
    return b'{"id": "x", "text": "' + text + b'", "published_at": "' + WHEN.encode() + b'"' + extra + b"}"


#: one hostile line each, with the words its report must contain
HOSTILE = {
    "invalid_utf8": (doc_line(text=b"\xe6\xb0\xb4\xff\xfe"), "invalid UTF-8"),
    "lone_surrogate": (doc_line(text=b"half an emoji \\ud83d here"), "lone surrogate"),
    "surrogate_in_a_nested_key": (doc_line(b', "note": {"\\udc00": ["k"]}'), "field 'note' contains a lone surrogate"),
    "surrogate_as_a_field_name": (doc_line(b', "\\udfff": 1'), "field '\\udfff' contains a lone surrogate"),
    "deep_nesting": (b"[" * 200_000, "nested too deeply"),
    "deep_nesting_in_a_field": (doc_line(b', "m": ' + b"[" * 200_000), "nested too deeply"),
    "huge_line": (doc_line(text=b"a" * (MAX_LINE_BYTES + 1024)), "longer than"),
    "text_over_the_limit": (doc_line(text=b"a" * (MAX_TEXT_CHARS + 1)), "over the limit"),
    "huge_integer": (doc_line(b', "n": ' + b"9" * 5000), "not valid JSON"),
    "not_an_object": (b'["id", "text"]', "expected a JSON object"),
    "a_string": (b'"just a string"', "expected a JSON object"),
    "not_json": (b'{"id": "x", "text": ', "not valid JSON"),
    "missing_field": (b'{"id": "x", "published_at": "' + WHEN.encode() + b'"}', "text"),
}


def hostile_file(tmp_path, bad: bytes, name="docs.jsonl", good=good_doc) -> str:
    """good, blank line, good, the bad line (line 4), good."""
    path = tmp_path / name
    path.write_bytes(b"\n".join([good("g1"), b"", good("g2"), bad, good("g3")]) + b"\n")
    return str(path)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_line_costs_only_that_line(tmp_path, case):
    bad, why = HOSTILE[case]
    path = hostile_file(tmp_path, bad)
    messages = io.StringIO()
    report = ErrorReport(messages)
    docs = list(read_documents(path, report))
    assert [d.id for d in docs] == ["g1", "g2", "g3"]
    assert report.count == 1 and report.exit_code == 1
    assert messages.getvalue().startswith(f"{path} line 4: ") and why in messages.getvalue(), messages.getvalue()
    assert "Traceback" not in messages.getvalue() and len(messages.getvalue()) < 2000  # no echo of the line


def test_every_model_is_read_the_same_way(tmp_path):
    """Analyses (``--analyses`` files) go through the same reader: a lone surrogate in a keyword."""
    bad = good_analysis("g2").replace(b'"keywords": []', b'"keywords": ["\\ud800"]')
    path = hostile_file(tmp_path, bad, "analyses.jsonl", good=good_analysis)
    messages = io.StringIO()
    with open_input(path) as handle:
        found = [(n, a.id) for n, a in read_jsonl(handle, Analysis, name="analyses.jsonl",
                                                  report=ErrorReport(messages))]
    assert found == [(1, "g1"), (3, "g2"), (5, "g3")]
    assert messages.getvalue().startswith("analyses.jsonl line 4: field 'keywords' contains a lone surrogate")


def test_a_bom_and_text_lines_are_accepted(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + good_doc("g1") + b"\r\n" + good_doc("g2") + b"\r\n")
    report = ErrorReport(io.StringIO())
    assert [d.id for d in read_documents(str(path), report)] == ["g1", "g2"] and report.count == 0
    lines = [good_doc("g1").decode() + "\n", "\n", '{"id": "x", "text": "\\udfff", "published_at": "' + WHEN + '"}\n']
    report = ErrorReport(io.StringIO())
    assert [n for n, _ in read_jsonl(lines, Document, name="mem", report=report, start_line=10)] == [10]
    assert report.count == 1 and report.stream.getvalue().startswith("mem line 12: field 'text'")


def yuqing(*args, stdin=None, timeout=300):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, "-m", "yuqing", *args], input=stdin, capture_output=True,
                          timeout=timeout, env=env)


def test_rescue_command_reports_every_hostile_line_and_keeps_the_rest(tmp_path):
    """All the hostile lines in one documents file and one analyses file, read by ``yuqing rescue``."""
    cases = sorted(HOSTILE)
    docs = [good_doc("g1"), good_doc("g2")] + [HOSTILE[c][0] for c in cases] + [b"", good_doc("g3")]
    (tmp_path / "docs.jsonl").write_bytes(b"\n".join(docs) + b"\n")
    analyses = [good_analysis("g1"), b"\xff\xfe{", b"[" * 200_000, good_analysis("g2"), good_analysis("g3")]
    (tmp_path / "analyses.jsonl").write_bytes(b"\n".join(analyses) + b"\n")
    out = tmp_path / "requests.jsonl"
    result = yuqing("rescue", "--input", str(tmp_path / "docs.jsonl"), "--analyses", str(tmp_path / "analyses.jsonl"),
                    "--output", str(out), "-s", f"store.path={tmp_path / 'store.sqlite'}")
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 1, stderr
    assert "Traceback" not in stderr and "RecursionError" not in stderr, stderr
    for number, case in enumerate(cases, start=3):
        assert f"docs.jsonl line {number}: " in stderr and HOSTILE[case][1] in stderr, (case, stderr)
    assert "analyses.jsonl line 2: invalid UTF-8" in stderr and "analyses.jsonl line 3: not valid JSON" in stderr
    requests = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(d for r in requests for d in r["doc_ids"]) == ["g1", "g2", "g3"]


def test_rescue_command_reads_hostile_stdin(tmp_path):
    bad = HOSTILE["invalid_utf8"][0] + b"\n" + HOSTILE["lone_surrogate"][0]
    stdin = b"\n".join([good_doc("g1"), bad, good_doc("g2")]) + b"\n"
    result = yuqing("rescue", "--rules", "--input", "-", "--output", "-",
                    "-s", f"store.path={tmp_path / 'store.sqlite'}", stdin=stdin)
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 1 and "Traceback" not in stderr, stderr
    assert "stdin line 2: invalid UTF-8" in stderr and "stdin line 3: field 'text' contains a lone surrogate" in stderr
    assert "2 documents: " in stderr  # the two good lines were read and analysed
    requests = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert "g1" in [d for r in requests for d in r["doc_ids"]]


def test_output_to_a_fifo_or_device_is_written_in_place_not_replaced(tmp_path):
    """`--output /dev/null` renamed a temporary file over the device and left the machine with a
    regular /dev/null. A FIFO stands in for the device here: it must still be a FIFO afterwards and
    must have received the output."""
    import os
    import stat
    import threading

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, encoding="utf-8").read()), daemon=True)
    reader.start()
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"id": "a", "text": "民治街道积水，电话13800001111，求救", "published_at": "2026-11-30T10:00:00+08:00", '
                    '"source": "t", "source_type": "social", "url": "http://example.com/a"}\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "yuqing", "rescue", "--input", str(docs), "--output", str(fifo)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    reader.join(timeout=30)
    assert done.returncode == 0, done.stderr[-2000:]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and '"request_id"' in received[0]
    assert "read by the trained analyzer" in done.stderr, done.stderr[-2000:]  # no silent fall-back to rules


def test_a_broken_model_falls_back_to_rules_aloud(tmp_path):
    """The desk must get its requests even when the trained models cannot load, and must be told."""
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"id": "a", "text": "民治街道积水，三位老人被困，电话13800001111，求救", '
                    '"published_at": "2026-11-30T10:00:00+08:00", "source": "t", "source_type": "social", '
                    '"url": "http://example.com/a"}\n', encoding="utf-8")
    empty = tmp_path / "no-models"
    empty.mkdir()
    done = subprocess.run([sys.executable, "-m", "yuqing", "rescue", "--input", str(docs), "--output", "-",
                           "-s", f"nlp.models.dir={empty}"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"request_id"' in done.stdout  # the rules still found the request
    assert "read by the rule extractors: THE TRAINED ANALYZER FAILED" in done.stderr, done.stderr[-2000:]
