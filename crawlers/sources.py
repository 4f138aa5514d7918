"""Validation of ``crawl.sources``: every entry names its spider type and that type's options.

Errors name the source and the key and say how to fix it, e.g.
``crawl.sources[2] (name 'longhua-news'): list_item is required by listing spiders (selector of one entry)``.
"""
from __future__ import annotations

import re
from typing import Any

from yuqing.errors import ConfigError, PluginError
from yuqing.records import SOURCE_TYPES

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
#: an option value that is a URL (``scheme://…``, or a scheme that needs no slashes: ``file:/x``, ``data:…``)
_URL_VALUE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*://|(file|data|javascript|mailto|gopher|ftp):)", re.I)

#: Keys every source may have, whatever its type: key → (type, help).
COMMON_KEYS: dict[str, tuple[Any, str]] = {
    "name": (str, "unique name of the source (letters, digits, - _ .)"),
    "type": (str, "spider: rss, listing, forum, json_api, search, sitemap, or a dotted path"),
    "interval": (int, "seconds between two crawls"),
    "enabled": (bool, "false switches the source off"),
    "source_type": (str, "contract source_type of its documents: news, forum, social, rss"),
    "user_agent": (str, "User-Agent for this source"),
    "proxy": (str, "proxy URL for this source"),
    "obey_robots": (bool, "obey robots.txt (default crawl.obey_robots)"),
    "download_delay": (float, "seconds between requests to this source's domain"),
    "concurrency": (int, "parallel requests to this source's domain"),
    "max_pages": (int, "most list pages followed in one crawl"),
    "headers": (dict, "extra request headers"),
    "encoding": (str, "force this page encoding (gb18030, big5) when the site declares a wrong one"),
    "place": (str, "place given to every document of this source (e.g. 龙华区民治街道)"),
    "allowed_domains": (list, "more domains this source may follow links to (subdomains included), besides "
                              "the hosts of its own URLs; never unlocks a private address"),
}


def _check_type(value: Any, kind: Any) -> Any:
    """The value coerced to ``kind``; raises ``TypeError`` if it cannot be."""
    if kind is list:
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            raise TypeError
        return value
    if kind is dict and not isinstance(value, dict):
        raise TypeError
    if kind is bool and not isinstance(value, bool):
        raise TypeError
    if kind in (int, float):
        if isinstance(value, bool):
            raise TypeError
        value = kind(value)
        if value <= 0 and kind is int:
            raise ValueError
        return value
    if kind is str and not isinstance(value, (str, int, float)):
        raise TypeError
    return str(value) if kind is str else value


def validate_source(entry: Any, index: int, default_interval: int = 600) -> dict:
    """One validated source entry (with defaults filled), or :class:`ConfigError`."""
    where = f"crawl.sources[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: each source is a mapping with at least name and type, not {entry!r}")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{where}: name {name!r} is missing or invalid; use letters, digits, - _ . (e.g. longhua-news)")
    where = f"{where} (name {name!r})"
    from crawlers.spiders.base import SPIDERS

    kind = entry.get("type")
    if not isinstance(kind, str):
        raise ConfigError(f"{where}: type is required; one of {', '.join(SPIDERS.names())} or a dotted path")
    try:
        spider = SPIDERS.get(kind)
    except PluginError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    options = dict(getattr(spider, "options", {}))
    source: dict = {"interval": default_interval, "enabled": True}
    for key, value in entry.items():
        if key in COMMON_KEYS:
            kind_of = COMMON_KEYS[key][0]
            help_text = COMMON_KEYS[key][1]
        elif key in options:
            kind_of, help_text = options[key].type, options[key].help
        else:
            known = sorted(set(COMMON_KEYS) | set(options))
            raise ConfigError(f"{where}: unknown key {key!r} for a {kind} spider; known keys: {', '.join(known)}")
        if value is None:
            continue
        try:
            source[key] = _check_type(value, kind_of)
        except (TypeError, ValueError):
            tname = getattr(kind_of, "__name__", str(kind_of))
            raise ConfigError(f"{where}: {key} must be a {tname} ({help_text}), not {value!r}") from None
    for key, option in options.items():
        if key not in source:
            if option.required:
                raise ConfigError(f"{where}: {key} is required by {kind} spiders ({option.help})")
            if option.default is not None:
                source[key] = option.default
    _check_urls(source, options, where)
    if "source_type" in source and source["source_type"] not in SOURCE_TYPES:
        raise ConfigError(f"{where}: source_type {source['source_type']!r} must be one of {', '.join(SOURCE_TYPES)}")
    return source


def _check_urls(source: dict, options: dict, where: str) -> None:
    """Configured URLs are http(s) with a host; ``allowed_domains`` are bare domains (normalised)."""
    from crawlers.safety import normalize_domain, url_problem

    for key in options:
        value = source.get(key)
        for item in (value if isinstance(value, list) else [value]):
            if isinstance(item, str) and _URL_VALUE.match(item):
                problem = url_problem(item)
                if problem:
                    raise ConfigError(f"{where}: {key} {item!r} {problem}; only http and https are crawled")
    domains = []
    for value in source.get("allowed_domains") or []:
        try:
            domains.append(normalize_domain(value))
        except ValueError as exc:
            raise ConfigError(f"{where}: allowed_domains entry {value!r} {exc}") from None
    if "allowed_domains" in source:
        source["allowed_domains"] = domains


def validate_sources(entries: Any, default_interval: int = 600) -> list[dict]:
    """Every entry validated; names must be unique."""
    if not isinstance(entries, list):
        raise ConfigError(f"crawl.sources must be a list of sources, not {type(entries).__name__}")
    sources, names = [], set()
    for index, entry in enumerate(entries):
        source = validate_source(entry, index, default_interval)
        if source["name"] in names:
            raise ConfigError(f"crawl.sources[{index}]: the name {source['name']!r} is used twice; names must be unique")
        names.add(source["name"])
        sources.append(source)
    return sources
