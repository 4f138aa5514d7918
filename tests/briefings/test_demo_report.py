"""`make run`'s demo writes a daily report of its story into the archive: the repository's config.yaml, run
once the way `make run` runs it (`yuqing --config config.yaml run`, here with `--once`, in a scratch folder,
the replay site on a free port), leaves today's 舆情日报 — the story's posts, its incident, its alerts — in
the store's archive, where the web UI's 简报 page lists it; and `briefings_today` is one of the service's
jobs, so `make run` does not wait for it at start."""
import os
import socket
import subprocess
import sys
from pathlib import Path

from starlette.testclient import TestClient

from yuqing.config import load_config
from yuqing.records import now
from yuqing.app.scheduler import Service
from yuqing.storage.sqlite import SQLiteStore
from yuqing.app.web.app import create_app

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _demo_config(folder: Path) -> Path:
    """The repository's config.yaml with the replay site on a free port (the demo's own port may be in use)."""
    port = _free_port()
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    assert text.count("127.0.0.1:8687") >= 6 and "  port: 8687\n" in text
    path = folder / "config.yaml"
    path.write_text(text.replace("127.0.0.1:8687", f"127.0.0.1:{port}").replace("  port: 8687\n", f"  port: {port}\n"),
                    encoding="utf-8")
    return path


def test_the_demo_keeps_a_daily_report_of_its_story_in_the_archive(tmp_path):
    config_path = _demo_config(tmp_path)
    config = load_config(config_path, environ={})
    assert config["briefings.today_interval"] > 0
    with SQLiteStore(tmp_path / "jobs.sqlite") as scratch:
        jobs = Service(config, scratch).discover()
    assert jobs["briefings_today"].interval == config["briefings.today_interval"]  # a job, never a start-up step

    env = {**os.environ, "YUQING_ANALYST_TOKEN": "t-demo", "PYTHONUNBUFFERED": "1"}
    done = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(config_path), "run", "--once"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "briefings_today: 1 processed" in done.stderr

    today = now().date()
    with SQLiteStore(tmp_path / "data" / "yuqing.sqlite") as store:  # the demo's store.path, in the scratch folder
        [record] = store.find_records("briefings")
        report = record.report
        assert record.kind == "daily" and record.period_start.startswith(today.isoformat())
        assert report["subtitle"].startswith(f"{today.year}年{today.month}月{today.day}日 截至")
        overview = next(f["data"] for f in report["figures"] if f["name"] == "overview")
        crawled = store.count_documents()
        assert crawled > 0 and overview["documents"] == crawled  # the story so far, every post of it
        assert overview["alerts"]["total"] == store.count_records("alerts") > 0
        incidents = [s for s in report["sections"] if s.get("incident_id")]
        assert incidents and all(p["citations"] for s in incidents for p in s["paragraphs"][:1])
        assert not getattr(record, "delivered", False)  # kept for the page, never sent
        client = TestClient(create_app(load_config(config_path, environ={"YUQING_ANALYST_TOKEN": "t-demo"}), store))
        page = client.get("/reports", headers={"Authorization": "Bearer t-demo"}).text
        assert f'href="/reports/{record.id}"' in page and "辖区舆情日报" in page
