"""Writes the documented ``config.yaml``: every declared setting with its help and default.

``yuqing config template > config.yaml`` regenerates the reference file; values given in
``overrides`` (the demo's) replace the defaults. A meta-test checks that the shipped config.yaml
sets every declared setting, so no setting goes undocumented.
"""
from __future__ import annotations

import textwrap
from typing import Any, Mapping

import yaml

from yuqing.config import Setting, declared_settings

#: What the repository's config.yaml (the demo of `make run`) sets away from the declared defaults,
#: and why. Any other value there must be the declared default: a meta-test holds the file to this,
#: so a default changed in code (an engine, a threshold) reaches the demo too.
DEMO_OVERRIDES = {
    "service.demo": "serve the bundled replay site and crawl it",
    "crawl.sources": "every spider type pointed at the replay site (crawlers/replay/demo_sources.yaml)",
    "crawl.keywords": "the demo story's monitored words, filled into the search source's URL",
    "crawl.download_delay": "the replay site is local: a shorter delay keeps the story live",
    "crawl.demo.speed": "the three-day story in about 18 minutes",
    "alerts.routing": "the demo's streets and their departments",
    "briefings.today_interval": "the 简报 page holds the daily report of the demo's story, rewritten every two minutes",
    "web.users": "the demo's analyst and viewer, tokens only from the environment",
    "store.elasticsearch.username": "read from the environment (${ES_USER:-}) when moving to Elasticsearch",
    "store.elasticsearch.password": "read from the environment (${ES_PASSWORD:-})",
}


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip()
    return text[:-4].strip() if text.endswith("\n...") else text.removesuffix("...").strip()


def render(settings: Mapping[str, Setting] | None = None, values: Mapping[str, Any] | None = None) -> str:
    settings = settings or declared_settings()
    values = values or {}
    lines: list[str] = []
    open_path: list[str] = []
    for name in sorted(settings, key=lambda n: (n.split(".")[0] != "store", n)):
        setting = settings[name]
        parts = name.split(".")
        common = 0
        while common < min(len(open_path), len(parts) - 1) and open_path[common] == parts[common]:
            common += 1
        if common == 0 and lines:
            lines.append("")
        for depth in range(common, len(parts) - 1):
            lines.append(f"{'  ' * depth}{parts[depth]}:")
        open_path = parts[:-1]
        indent = "  " * (len(parts) - 1)
        for row in textwrap.wrap(setting.help, 96 - len(indent)):
            lines.append(f"{indent}# {row}")
        if setting.choices:
            lines.append(f"{indent}# one of: {', '.join(map(str, setting.choices))}")
        value = values.get(name, setting.default)
        if isinstance(value, (dict, list)) and value:
            dumped = yaml.safe_dump({parts[-1]: value}, allow_unicode=True, sort_keys=False, width=100)
            lines.extend(indent + row for row in dumped.rstrip().splitlines())
        else:
            lines.append(f"{indent}{parts[-1]}: {_scalar(value)}")
    return "\n".join(lines) + "\n"
