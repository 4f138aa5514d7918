"""Place of a text down to the street (街道), disambiguated by context.

A name may mean several divisions (龙华区 is in 深圳 and 海口; 福田 is a district, a street and a
community). Each candidate street (or district) is scored by the mention itself, then by support
from its ancestors named elsewhere: first in the source's place hint, then in the text, then the
configured home city (``nlp.home_city``). The best-supported candidate wins; confidence drops
when another candidate comes close.
"""
from __future__ import annotations

from typing import Optional

from nlp.gazetteer import Gazetteer, Mention, default_gazetteer
from yuqing.errors import ConfigError
from yuqing.records import Location

HINT_BONUS = 1.5   # the source says where it is: the strongest context
TEXT_BONUS = 0.8   # another place word in the text
HOME_BONUS = 0.4   # the engine's own city, when nothing else tells
_LEVEL_RANK = {"place": 0, "community": 0, "street": 0, "district": 1, "city": 2, "province": 3}


class Locator:
    """``Locator().locate(text, place_hint)`` → :class:`yuqing.records.Location`."""

    def __init__(self, gazetteer: Optional[Gazetteer] = None, home_city: Optional[str] = "深圳市") -> None:
        self.gazetteer = gazetteer or default_gazetteer()
        self.home_city = home_city
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
        scored = self._candidates(text_mentions + hint_mentions, support)
        if not scored:
            return Location()
        scored.sort(key=lambda item: (-item[0], item[2]))
        best_score, best_code, _ = scored[0]
        rival = next((s for s, c, _ in scored[1:] if not self._related(c, best_code)), 0.0)
        return self._location(best_code, best_score, rival)

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

    def _candidates(self, mentions: list[Mention], support: dict[str, float]) -> list[tuple[float, str, int]]:
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

    def _location(self, code: str, score: float, rival: float) -> Location:
        chain = self.gazetteer.chain(code)
        names = {level: (chain[level].name if level in chain else None)
                 for level in ("province", "city", "district", "street")}
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
