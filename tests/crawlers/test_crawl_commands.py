"""``yuqing crawl`` and ``yuqing sources`` through the real command line."""
import json

import yaml

from crawl_helpers import FAST, listing_source
from yuqing.app.cli import main


def write_config(tmp_path, sources):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"store": {"path": str(tmp_path / "cli.sqlite")},
                                    "crawl": {**FAST, "sources": sources}}, allow_unicode=True), "utf-8")
    return str(path)


def test_crawl_then_sources(site, tmp_path, capsys):
    config = write_config(tmp_path, [listing_source(site), {"name": "later", "type": "rss", "url": f"{site.url}/feed.rss"}])
    assert main(["crawl", "news", "--config", config, "--format", "json"]) == 0
    line = json.loads(capsys.readouterr().out.strip())
    assert line["source"] == "news" and line["new"] == 12 and line["health"]["state"] == "ok"

    assert main(["sources", "--config", config, "--format", "json"]) == 0
    rows = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.strip().splitlines())}
    assert rows["news"]["state"] == "ok" and rows["news"]["last_success"] and rows["news"]["items_per_hour"] > 0
    assert rows["later"]["state"] is None and rows["later"]["type"] == "rss"   # configured, never crawled

    assert main(["stats", "--config", config, "--format", "json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["documents"] == 12 and stats["sources"][0]["name"] == "news"

    assert main(["sources", "--config", config]) == 0
    assert "news" in capsys.readouterr().out


def test_unknown_source_is_misuse(site, tmp_path, capsys):
    config = write_config(tmp_path, [listing_source(site)])
    assert main(["crawl", "nosuch", "--config", config]) == 2
    err = capsys.readouterr().err
    assert "nosuch" in err and "news" in err and "Traceback" not in err


def test_blocked_source_exits_1(site, tmp_path, capsys):
    wall = {"name": "wall", "type": "listing", "start_urls": [f"{site.url}/forbidden/{i}" for i in range(3)],
            "list_item": "li"}
    config = write_config(tmp_path, [wall])
    assert main(["crawl", "--all", "--config", config]) == 1
    assert "403" in capsys.readouterr().err
