"""Rescue requests (求救): slots and a rule-based request score.

:func:`extract_rescue` reads phones, address, street, people count, vulnerable groups, needs and
danger words, and scores two things:

- ``request_score`` in [0, 1]: a request for help versus a post *about* help (offers, completed
  rescues, thanks, debunks, ads with phone numbers, official notices, news). Logistic in
  ``request words + cues − about-help words``; about-help words in a repost's comments count
  double, since ``已获救//@某人:求救…`` is an update, not a request.
- ``urgency`` in [0, 1] = ``(1 − (1−N)(1−V)(1−D)(1−P)) × R``: a noisy-or of the strongest need
  N (medical 0.5 … other 0.15), the most fragile person V (infant/pregnant 0.5 … child 0.35), the
  strongest danger word D (水到胸口 1.0, 断粮 0.8, 透析 0.9 — ``nlp/lexicons/rescue.yaml``) and the
  head count P = min(0.3, 0.05 × people), times recency R = 1 for posts up to 6 hours old, falling
  linearly to 0.3 at 72 hours (R = 1 when the time is unknown).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from nlp.lexicons import load
from nlp.people import extract_people_count
from nlp.phones import extract_phones
from nlp.text import normalize
from yuqing.records import Location

#: A request for help is a short post; a long text (an article, a forum thread of MBs) is read in
#: its first window only, which keeps the rule stage fast and linear.
WINDOW_CHARS = 5000
NEED_WEIGHT = {"medical": 0.5, "evacuation": 0.45, "medicine": 0.4, "food_water": 0.35, "power": 0.25,
               "shelter": 0.25, "other": 0.15}
VULNERABLE_WEIGHT = {"infant": 0.5, "pregnant": 0.5, "patient": 0.45, "disabled": 0.4, "elderly": 0.35,
                     "child": 0.35}
# Logistic of the request score; fitted by hand on rescue_train.jsonl (bench/bench_extract.py).
BIAS, W_REQUEST, W_CUES, W_ABOUT = -1.6, 2.2, 1.0, 3.0
_FIRST_PERSON = re.compile(r"(我们|我家|我的|我爸|我妈|我姐|我哥|我老婆|我老公|家里|我在|我被|救救我|帮帮我)")
_ADDRESS_SUFFIX = (r"(?:\d+(?:栋|座|号楼|单元|楼|层|号|室|房)|小区|花园|新村|大厦|公寓|广场|工业区|工业园|厂房|"
                   r"山庄|家园|名苑|花苑|苑|庭|居|城|湾|阁|里|村(?!民)|附近|旁边|这边|一带)")
_ADDRESS_TAIL = re.compile(rf"(?:[\u4e00-\u9fffA-Za-z0-9（）()]{{0,10}}?{_ADDRESS_SUFFIX})+")
_ADDRESS_ALONE = re.compile(r"([\u4e00-\u9fff]{2,8}?)(小区|花园|新村|大厦|公寓|山庄|家园)")
_ADDRESS_LEAD = re.compile(r".*[在住于到是的家|]")  # 我们在|锦绣花园: the name starts after these


@dataclass
class RescueSlots:
    """What a post says about a request for help (all lists de-duplicated, contract labels)."""

    phones: list[str] = field(default_factory=list)
    address: Optional[str] = None
    district: Optional[str] = None
    street: Optional[str] = None
    people_count: Optional[int] = None
    vulnerable: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    danger: list[str] = field(default_factory=list)
    urgency: float = 0.0
    request_score: float = 0.0
    location: Location = field(default_factory=Location)
    #: what :meth:`complete` still has to read (``extract_rescue(..., complete=False)``)
    _later: Optional[tuple] = field(default=None, repr=False, compare=False)

    def complete(self) -> "RescueSlots":
        """Read what only a request needs and ``extract_rescue(..., complete=False)`` left out: the
        people count, the address (when the street already placed the post) and the urgency. The
        analyser reads them for the posts it finds to be requests only: they were about a sixth of
        the first stage's time, and most posts are not requests. A no-op on complete slots."""
        if self._later is None:
            return self
        post, full, locator, fresh, address_read = self._later
        self._later = None
        if not address_read:
            self.address = find_address(post, locator) or (find_address(full, locator) if full != post else None)
        self.people_count = extract_people_count(post) or (extract_people_count(full) if full != post else None)
        self.urgency = urgency(self.needs, self.vulnerable, self.danger, self.people_count, fresh)
        return self

    def to_rescue(self, score: Optional[float] = None) -> dict:
        """The contract's ``analysis.rescue`` object (``score`` defaults to the request score)."""
        return {"is_request": True, "score": round(self.request_score if score is None else score, 4),
                "phones": self.phones, "address": self.address, "people_count": self.people_count,
                "vulnerable": self.vulnerable, "needs": self.needs, "urgency": round(self.urgency, 4)}


def _compile(words) -> re.Pattern[str]:
    escaped = sorted((re.escape(str(w)) for w in words), key=len, reverse=True)
    return re.compile("|".join(escaped))


class _Lexicon:
    """The rescue word lists as compiled patterns (built once)."""

    def __init__(self) -> None:
        data = load("rescue")
        self.vulnerable = {label: _compile(words) for label, words in data["vulnerable"].items()}
        self.needs = {label: _compile(words) for label, words in data["needs"].items()}
        # phrases that hold a need's word without asking for it (救援物资 is supplies, not a boat)
        self.not_needs = {label: _compile(words) for label, words in (data.get("not_needs") or {}).items()}
        self.danger = data["danger"]
        self.request = data["request"]
        self.about = data["about_help"]
        self.danger_re = _compile(self.danger)
        self.request_re = _compile(self.request)
        self.about_re = _compile(self.about)


_lexicon: Optional[_Lexicon] = None


def lexicon() -> _Lexicon:
    global _lexicon
    if _lexicon is None:
        _lexicon = _Lexicon()
    return _lexicon


def _weight_sum(pattern: re.Pattern[str], weights: dict, text: str, cap: float = 2.0) -> float:
    found = {m.group(0) for m in pattern.finditer(text)}
    return min(cap, sum(float(weights[w]) for w in found))


def request_score(post: str, comments: list[str], *, has_phone: bool, has_place: bool,
                  has_need: bool, danger: float = 0.0, has_vulnerable: bool = False) -> float:
    """Rule-based probability that ``post`` asks for help (see the module notes)."""
    lex = lexicon()
    asking = _weight_sum(lex.request_re, lex.request, post)
    about = _weight_sum(lex.about_re, lex.about, post)
    about += 2 * _weight_sum(lex.about_re, lex.about, " ".join(comments))
    cues = (0.4 * has_phone + 0.3 * has_place + 0.4 * has_need + 0.4 * bool(_FIRST_PERSON.search(post))
            + 0.5 * danger + 0.3 * has_vulnerable)
    z = BIAS + W_REQUEST * asking + W_CUES * cues - W_ABOUT * about
    return 1.0 / (1.0 + math.exp(-z))


# Ages of 60 and more say "elderly" without the word: 七十多了, 85岁.
_OLD_AGE = re.compile(r"(?<!\d)(?:[6-9]\d|1[01]\d)岁|[六七八九]十(?:多|几)?岁|[六七八九]十多了")
_YOUNG_ADULT = re.compile(r"女孩子|男孩子|女孩|男孩")
_HASHTAG = re.compile(r"#[^#\n]{1,40}#")


def _masked(text: str, lex: _Lexicon, label: str) -> str:
    """``text`` with the phrases that name ``label``'s word but not the need (``not_needs`` of the
    lexicon: 救援物资, 车库进水) blanked, so the word inside them is not read as asked for."""
    pattern = lex.not_needs.get(label)
    return pattern.sub(lambda m: " " * len(m.group(0)), text) if pattern else text


def find_address(text: str, locator) -> Optional[str]:
    """The longest address span: a place name, then further place names, estate, building, room.

    Hashtags (``#深圳暴雨#``) name a topic, not where the writer is, so they are skipped.
    """
    text = _HASHTAG.sub(lambda m: " " * len(m.group(0)), text)
    mentions = list(locator.gazetteer.mentions(text))
    starts = {m.start: m for m in mentions}
    best, best_end = None, -1
    for mention in mentions:
        if mention.start < best_end:
            continue  # inside the span already taken
        end = mention.end
        while True:  # place names glued on (区 + 街道 + 社区), then estate, building, room
            tail = _ADDRESS_TAIL.match(text, end)
            end = tail.end() if tail else end
            glued = starts.get(end)
            if glued is None:
                break
            end = glued.end
        if best is None or end - mention.start > len(best):
            best, best_end = text[mention.start:end], end
    if best:
        return best
    match = _ADDRESS_ALONE.search(text)
    if match:
        lead = _ADDRESS_LEAD.match(match.group(1))
        start = match.start(1) + (lead.end() if lead else 0)
        if match.end(1) - start < 2:
            return None
        tail = _ADDRESS_TAIL.match(text, match.end(1))
        return text[start:tail.end() if tail else match.end(2)]
    return None


def recency(published_at: Optional[datetime], now: Optional[datetime]) -> float:
    """1 up to 6 hours old, then linearly down to 0.3 at 72 hours; 1 when unknown."""
    if published_at is None or now is None:
        return 1.0
    if (published_at.tzinfo is None) != (now.tzinfo is None):
        return 1.0
    hours = (now - published_at).total_seconds() / 3600
    if hours <= 6:
        return 1.0
    return max(0.3, 1.0 - 0.7 * (hours - 6) / 66)


def urgency(needs: list[str], vulnerable: list[str], danger: list[str], people: Optional[int],
            fresh: float) -> float:
    """The urgency formula of the module notes."""
    lex = lexicon()
    n = max((NEED_WEIGHT[x] for x in needs), default=0.0)
    v = max((VULNERABLE_WEIGHT[x] for x in vulnerable), default=0.0)
    d = max((float(lex.danger[x]) for x in danger), default=0.0)
    p = min(0.3, 0.05 * (people or 0))
    return round((1 - (1 - n) * (1 - v) * (1 - d) * (1 - p)) * fresh, 4)


def extract_rescue(text: str, *, published_at: Optional[datetime] = None, now: Optional[datetime] = None,
                   locator=None, place_hint: Optional[str] = None, normalized=None,
                   complete: bool = True) -> RescueSlots:
    """Slots, urgency and request score of one post (any text; empty text gives empty slots).

    ``normalized``: ``nlp.text.normalize(text)`` when the caller has it already (the analyser
    does), so a post is not cleaned twice; ignored when the text is longer than one window.
    ``complete=False`` reads what the request score and the location need and leaves the people
    count, urgency and (when the street is known) address to :meth:`RescueSlots.complete`.
    """
    from nlp.location import default_locator
    locator = locator or default_locator()
    if normalized is not None and len(text or "") <= WINDOW_CHARS:
        norm = normalized
    else:
        norm = normalize((text or "")[:WINDOW_CHARS])
    if norm.is_empty:
        return RescueSlots()
    lex = lexicon()
    post, full = norm.original_post, norm.text
    # 女孩子/男孩 are young people, not children to carry out
    young = _YOUNG_ADULT.sub("", full)
    vulnerable = [label for label, pattern in lex.vulnerable.items()
                  if pattern.search(young) or (label == "elderly" and _OLD_AGE.search(full))]
    # needs are read outside hashtags: #河南暴雨救援# names the storm's channel, not a boat to send
    asked = _HASHTAG.sub(" ", full)
    needs = [label for label, pattern in lex.needs.items() if pattern.search(_masked(asked, lex, label))]
    danger = list(dict.fromkeys(m.group(0) for m in lex.danger_re.finditer(full)))
    phones = extract_phones(full)
    location = locator.locate(full, place_hint)
    address, address_read = None, complete or not location.street
    if address_read:  # the request score asks for a place: the street is one
        address = find_address(post, locator) or (find_address(full, locator) if full != post else None)
    score = request_score(post, norm.comments, has_phone=bool(phones),
                          has_place=bool(address or location.street),
                          has_need=any(n != "other" for n in needs),  # 志愿者, 物资 are offered as often
                          danger=max((float(lex.danger[x]) for x in danger), default=0.0),
                          has_vulnerable=bool(vulnerable))
    if not needs and score >= 0.5:
        needs = ["other"]  # a request for help whose need the words do not name
    slots = RescueSlots(phones=phones, address=address, district=location.district, street=location.street,
                        vulnerable=vulnerable, needs=needs, danger=danger, request_score=round(score, 4),
                        location=location, _later=(post, full, locator, recency(published_at, now), address_read))
    return slots.complete() if complete else slots
