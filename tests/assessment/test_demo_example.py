"""The README's example assessment comes from the demo: `make run`'s story holds a project (福城街道's old
market, whose merchants dispute the compensation), and `assessment/examples/fucheng_market.yaml` is its
card. Played to the end (`crawl.demo.head_start` past the story) and assessed as a user would, the
report cites the market's posts and nothing of the storm, the gym or the wage arrears around them."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from yuqing.storage.sqlite import SQLiteStore

REPO = Path(__file__).resolve().parents[2]
CARD = REPO / "assessment" / "examples" / "fucheng_market.yaml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _yuqing(folder: Path, *args: str) -> subprocess.CompletedProcess:
    port = _free_port()
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    config = folder / "config.yaml"
    config.write_text(text.replace("127.0.0.1:8687", f"127.0.0.1:{port}").replace("  port: 8687\n", f"  port: {port}\n"),
                      encoding="utf-8")
    env = {**os.environ, "YUQING_ANALYST_TOKEN": "t-demo", "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "yuqing", "--config", str(config), *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=900)


def test_the_demo_story_assessed_with_its_example_card(tmp_path):
    # the whole three-day story at once (its last post is at minute ~4,300)
    played = _yuqing(tmp_path, "run", "--once", "-s", "crawl.demo.head_start=100000")
    assert played.returncode == 0, played.stderr[-3000:]
    with SQLiteStore(tmp_path / "data" / "yuqing.sqlite") as store:
        texts = {d.id: f"{d.title or ''} {d.text}" for d in store.iter_documents()}
    market = {i for i, t in texts.items() if "福城" in t and "市场" in t}
    assert len(market) >= 3 and len(texts) > 3 * len(market)

    done = _yuqing(tmp_path, "assess", "--project", str(CARD), "--format", "json")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "福城街道旧市场城市更新项目" in done.stderr
    report = json.loads(done.stdout)
    assert [c["id"] for c in report["categories"]] == [
        "policy_legal", "expropriation_compensation", "social_stability", "safety_health",
        "ecology_environment", "public_opinion"]
    cited = {e["doc_id"] for c in report["categories"] for e in c.get("evidence") or []}
    assert cited and cited <= market, sorted(texts[i][:40] for i in cited - market)
    compensation = next(c for c in report["categories"] if c["id"] == "expropriation_compensation")
    assert compensation["level"] in ("medium", "high")
    assert any("听证" in gap for gap in report["checks"]["procedure"]["gaps"])
