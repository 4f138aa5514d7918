"""Place of a text down to the street (街道), disambiguated by context.

A name may mean several divisions (龙华区 is in 深圳 and 海口; 福田 is a district, a street and a
community). Each candidate street (or district) is scored by the mention itself, then by support
from its ancestors named elsewhere: first in the source's place hint, then in the text, then the
configured home city (``nlp.home_city``). The best-supported candidate wins; confidence drops
when another candidate comes close.

A street (街道/镇/乡, the township level) needs evidence, for no street is better than a wrong one.
It is either

- a street of the home city (the configured area), by its full name, short form, a community or a
  local place, as long as the other place words name one of its ancestors or nothing outside the
  home city (a full name: nothing outside the home province); or
- a township whose full official name, suffix included, the text or hint writes (``城郊乡``: not
  ``城郊``, never a bare ``街道``), and whose district, city or province the text or hint names too,
  closer than for any other township of that name (``中牟县白沙镇`` picks one of the many 白沙镇,
  ``白沙镇`` alone none). Its province alone does not do when the text names another city of it.

A reading without that evidence is no street: a township reading is dropped (it does not name a
district either), a community or place keeps its district but loses its street.
"""
from __future__ import annotations

from collections import Counter
from typing import Optional

from nlp.gazetteer import Division, Gazetteer, Mention, default_gazetteer, short_form
from yuqing.errors import ConfigError
from yuqing.records import Location

HINT_BONUS = 1.5   # the source says where it is: the strongest context
TEXT_BONUS = 0.8   # another place word in the text
HOME_BONUS = 0.4   # the engine's own city, when nothing else tells
_LEVEL_RANK = {"place": 0, "community": 0, "street": 0, "district": 1, "city": 2, "province": 3}
STREET_SUFFIXES = ("街道", "镇", "乡")
# How close an ancestor of a township the text names: its district says more than its province.
_ANCESTOR_RANK = {"district": 3, "city": 2, "province": 1}
HOME_RANK = 0.5  # a township of the home city written in full, with none of its ancestors named
_MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}
_GENERIC_DISTRICTS = {"城区", "郊区", "矿区"}  # district names that are also everyday words


def _written(division: Division, written: str) -> bool:
    """Whether ``written`` names this province/city/district by its full name or its short form
    (河南 for 河南省, 卫辉 for 卫辉市, even where the gazetteer leaves a frequent short form out)."""
    if division.name in _GENERIC_DISTRICTS:
        return False
    short = short_form(division.name, division.level)
    return division.name in written or bool(short and short in written)


def is_street_name(name: str) -> bool:
    """An official township name: something before its suffix 街道/镇/乡 (``街道`` alone is none)."""
    return any(name.endswith(suffix) and len(name) > len(suffix) for suffix in STREET_SUFFIXES)


class Locator:
    """``Locator().locate(text, place_hint)`` → :class:`yuqing.records.Location`."""

    def __init__(self, gazetteer: Optional[Gazetteer] = None, home_city: Optional[str] = "深圳市") -> None:
        self.gazetteer = gazetteer or default_gazetteer()
        self.home_city = home_city
        self._cities_index: Optional[dict[str, list[Division]]] = None
        if home_city and self.gazetteer.find(home_city, "city") is None:
            raise ConfigError(f"nlp.home_city is {home_city!r}, which is not a city of the gazetteer; "
                              "write the official name with its suffix, such as 深圳市")

    @classmethod
    def from_config(cls, config) -> "Locator":
        """Built from the ``nlp.`` settings (home city, extra gazetteer file)."""
        extra = (str(config.resolve_path("nlp.gazetteer_file")),) if config["nlp.gazetteer_file"] else ()
        home = config["nlp.home_city"] or None
        gazetteer = Gazetteer(extra, home_city=home) if extra or home != "深圳市" else None
        return cls(gazetteer, home)

    def locate(self, text: str, place_hint: Optional[str] = None) -> Location:
        """The most likely province/city/district/street of ``text``; unknown parts are ``None``."""
        text_mentions = list(self.gazetteer.mentions(text or ""))
        hint_mentions = list(self.gazetteer.mentions(place_hint or ""))
        if not text_mentions and not hint_mentions:
            return Location()
        support = self._support(hint_mentions, HINT_BONUS)
        for code, value in self._support(text_mentions, TEXT_BONUS).items():
            support[code] = support.get(code, 0.0) + value
        mentions = text_mentions + hint_mentions
        streets = self._evidenced_streets(mentions, f"{text or ''}\n{place_hint or ''}")
        scored = self._candidates(mentions, support, streets)
        if not scored:
            return Location()
        scored.sort(key=lambda item: (-item[0], item[2]))
        best_score, best_code, _ = scored[0]
        rival = next((s for s, c, _ in scored[1:] if not self._related(c, best_code)), 0.0)
        return self._location(best_code, best_score, rival, streets)

    # --- street evidence ------------------------------------------------------------------------
    def _evidenced_streets(self, mentions: list[Mention], written: str) -> set[str]:
        """Codes of the streets these mentions name with enough evidence (see the module notes);
        ``written`` is the text and hint, where a township's ancestors are looked for."""
        home = self.gazetteer.find(self.home_city, "city") if self.home_city else None
        places = [self._places(mention) for mention in mentions]
        named = {code for every, _ in places for code in every}
        counts = (Counter(code for every, _ in places for code in every),
                  Counter(code for _, by_full_name in places for code in by_full_name))
        streets: set[str] = set()
        for index, mention in enumerate(mentions):
            others: Optional[tuple[set[str], set[str]]] = None  # places named by the other mentions
            full: dict[str, float] = {}  # a township written in full → how close an ancestor is named
            for code in self.gazetteer.names[mention.name]:
                chain = self.gazetteer.chain(code)
                street = chain.get("street")
                if street is None or not is_street_name(street.name):
                    continue
                in_home = home is not None and chain.get("city") == home
                if in_home and others is None:
                    others = tuple({c for c, n in count.items() if n > (c in own)}
                                   for count, own in zip(counts, places[index]))
                if code == street.code and mention.name == street.name:
                    # 南湖 of 南湖街道 is not the district 南湖区: look for ancestors outside the name
                    rank = self._closest_named(chain, named, written.replace(mention.name, "\n"))
                    if in_home and not rank and self._home_consistent(chain, others, "province"):
                        rank = HOME_RANK  # 民治街道 in a post that names 东莞 too, but not 郑州
                    full[code] = rank
                elif in_home and self._home_consistent(chain, others, "city"):
                    streets.add(street.code)  # 民治, 白石龙社区, 深圳北站: the configured area's street
            closest = max(full.values(), default=0)
            winners = [code for code, rank in full.items() if rank == closest]
            if closest and len(winners) == 1:
                streets.add(winners[0])
        return streets

    def _places(self, mention: Mention) -> tuple[set[str], set[str]]:
        """The provinces, cities and districts a mention may name (every reading), and those it
        names by a full name or a province/city short form (天桥 is a word before it is 天桥区)."""
        every, by_full_name = set(), set()
        for code in self.gazetteer.names[mention.name]:
            division = self.gazetteer.divisions[code]
            if division.level in _ANCESTOR_RANK:
                every.add(code)
                if division.level != "district" or division.name == mention.name:
                    by_full_name.add(code)
        return every, by_full_name

    def _home_consistent(self, chain: dict[str, Division], others: tuple[set[str], set[str]], within: str) -> bool:
        """A place of the home city stands when the other mentions name one of its own ancestors,
        or no province, city or district outside its city (or, for a full name, its province)."""
        every, by_full_name = others
        if any(d.code in every for d in chain.values()):
            return True
        area = chain.get(within)
        return all(self.gazetteer.chain(code).get(within) == area for code in by_full_name)

    def _closest_named(self, chain: dict[str, Division], named: set[str], written: str) -> int:
        """How close an ancestor of a township is named (``_ANCESTOR_RANK``; 0 for none). Its province
        alone is no evidence when the text names another city of that province: a township of 濮阳市
        found only by 河南, in a text about 新乡, is not that township."""
        province = chain.get("province")
        for level, rank in sorted(_ANCESTOR_RANK.items(), key=lambda item: -item[1]):
            ancestor = chain.get(level)
            if ancestor is None or not (ancestor.code in named or _written(ancestor, written)):
                continue
            if level == "city" and province is not None and ancestor.name == province.name \
                    and province.name not in _MUNICIPALITIES:
                continue  # 河南省's county-level cities (济源市) under a city named as the province
            if level == "province":
                own = chain.get("city")
                if any(other.code != getattr(own, "code", None) and other.name != ancestor.name
                       and (other.code in named or _written(other, written))
                       for other in self._cities(ancestor.code)):
                    return 0
            return rank
        return 0

    def _cities(self, province: str) -> list[Division]:
        """The cities of a province."""
        if self._cities_index is None:
            index: dict[str, list[Division]] = {}
            for division in self.gazetteer.divisions.values():
                if division.level == "city":
                    index.setdefault(division.parent, []).append(division)
            self._cities_index = index
        return self._cities_index.get(province, [])

    # --- scoring --------------------------------------------------------------------------------
    def _support(self, mentions: list[Mention], bonus: float) -> dict[str, float]:
        """How strongly each division is named (by any of its names) in these mentions."""
        support: dict[str, float] = {}
        for mention in mentions:
            codes = self.gazetteer.names[mention.name]
            share = 1.0 / len(codes) ** 0.5  # an ambiguous name supports each reading less
            for code, weight in codes.items():
                support[code] = max(support.get(code, 0.0), bonus * weight * share)
        return support

    def _candidates(self, mentions: list[Mention], support: dict[str, float],
                    streets: set[str]) -> list[tuple[float, str, int]]:
        home = self.gazetteer.find(self.home_city, "city") if self.home_city else None
        scored = []
        seen = set()
        for mention in mentions:
            readings = self.gazetteer.names[mention.name]
            has_full = any(w >= 0.7 for w in readings.values())
            for code, weight in readings.items():
                if code in seen:
                    continue
                seen.add(code)
                if self.gazetteer.divisions[code].level == "street" and code not in streets:
                    continue  # a township without evidence is no reading at all (柳庄 for 柳庄乡)
                chain = self.gazetteer.chain(code)
                rank = _LEVEL_RANK[self.gazetteer.divisions[code].level]
                score = weight + support.get(code, 0.0) * 0.5
                if has_full and weight < 0.7:
                    score -= 0.5  # 朝阳区 is a district's full name before it is a street's short form
                # 福田 names the district 福田区 before its street 福田街道 or community 福田社区
                score -= 0.5 * sum(1 for level in ("street", "district") if level in chain
                                   and chain[level].code != code and chain[level].code in readings)
                for level in ("street", "district", "city", "province"):
                    ancestor = chain.get(level)
                    if ancestor is not None and ancestor.code != code:
                        score += support.get(ancestor.code, 0.0)
                if home is not None and chain.get("city") == home:
                    score += HOME_BONUS
                scored.append((score - 0.3 * rank, code, rank))
        return scored

    def _related(self, a: str, b: str) -> bool:
        """Same place or one inside the other (not a rival reading)."""
        chain_a = {d.code for d in self.gazetteer.chain(a).values()}
        chain_b = {d.code for d in self.gazetteer.chain(b).values()}
        return a in chain_b or b in chain_a

    def _location(self, code: str, score: float, rival: float, streets: set[str]) -> Location:
        chain = self.gazetteer.chain(code)
        names = {level: (chain[level].name if level in chain else None)
                 for level in ("province", "city", "district", "street")}
        if "street" in chain and chain["street"].code not in streets:
            names["street"] = None  # a community or place outside the home city names no township
        # evidence, discounted by how close the best rival reading comes (a clear winner keeps it all)
        margin = min(1.0, max(0.0, score - rival) / 0.6)
        confidence = max(0.05, min(1.0, score / 2.5) * (0.5 + 0.5 * margin))
        return Location(**names, confidence=round(confidence, 3))


_default_locator: Optional[Locator] = None


def default_locator() -> Locator:
    """A locator on the bundled gazetteer with 深圳市 as home city."""
    global _default_locator
    if _default_locator is None:
        _default_locator = Locator()
    return _default_locator
