"""`yuqing run --once --as-of TIME` replays a past day: every stage evaluates as if the clock read TIME."""
import json
import os
import subprocess
import sys

from yuqing.storage.sqlite import SQLiteStore

HELP = "民治街道碧水龙庭3栋被困，家里有两位老人和一个婴儿，水已经淹到一楼，急需救援，电话13800001111"
LATER = "观澜街道桂花苑地下车库被淹，三人被困，求救，电话13900002222"


def yuqing(*args):
    return subprocess.run([sys.executable, "-m", "yuqing", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=600, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def test_as_of_replays_a_past_day_and_sees_nothing_after_it(tmp_path):
    docs = tmp_path / "docs.jsonl"
    rows = [{"id": "help", "text": HELP, "source": "sheet", "source_type": "import", "url": "http://example.com/h",
             "published_at": "2021-07-20T17:30:00+08:00"},
            {"id": "later", "text": LATER, "source": "sheet", "source_type": "import", "url": "http://example.com/l",
             "published_at": "2021-07-22T09:00:00+08:00"}]
    docs.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    store_path = tmp_path / "s.sqlite"
    common = ["-s", f"store.path={store_path}"]
    assert yuqing(*common, "import", str(docs)).returncode == 0

    done = yuqing(*common, "run", "--once", "--as-of", "2021-07-20T18:00+08:00")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "replaying as of 2021-07-20T18:00:00+08:00" in done.stderr
    with SQLiteStore(store_path) as store:
        alerts = store.find_records("alerts")
        assert [a.doc_ids for a in alerts if a.rule == "rescue-request"] == [["help"]]  # not the later post
        assert all(a.created_at.isoformat().startswith("2021-07-20T18:00") for a in alerts)
        [request] = store.find_records("rescue_requests")
        assert request.doc_ids == ["help"]

    # without --as-of the two-year-old posts are past the alert look-back: nothing new is raised
    plain = tmp_path / "plain.sqlite"
    assert yuqing("-s", f"store.path={plain}", "import", str(docs)).returncode == 0
    assert yuqing("-s", f"store.path={plain}", "run", "--once", "--no-crawl").returncode == 0
    with SQLiteStore(plain) as store:
        assert [a for a in store.find_records("alerts") if a.rule == "rescue-request"] == []


def test_as_of_needs_once_and_a_time(tmp_path):
    common = ["-s", f"store.path={tmp_path / 's.sqlite'}"]
    done = yuqing(*common, "run", "--as-of", "2021-07-20T18:00+08:00")
    assert done.returncode == 2 and "use it with --once" in done.stderr
    done = yuqing(*common, "run", "--once", "--as-of", "yesterday-ish")
    assert done.returncode == 2 and "--as-of 'yesterday-ish'" in done.stderr
