"""Storm mode (平急转换) as the stages read it: the switch's state and what it changes.

The emergency desk switches storm mode (:mod:`desk.storm`: by an analyst, audited, or by itself on
a red natural-disaster warning or a burst of requests for help); the crawlers, the scheduler, the
alert engine and the queue only read it. They read it here, in the composition package, and never
through ``desk``: stages meet at the records, the store and the config (STYLE.md, "One spine"),
and the desk sits *above* the alert stage (its rows are that stage's output), so a crawler or the
alert engine importing ``desk`` would turn the layers upside down. The switch's state is the
store's ``desk.storm`` (the name the desk gave it first); everything storm mode changes is
configured in one place, the ``storm.`` section of config.yaml (``yuqing/settings.py``).

While storm mode is on:

* the search and social sources search the event's keywords and places, and ``storm.keywords``
  (:func:`search_terms`), and every crawl interval is multiplied by ``storm.crawl_interval_factor``
  (:func:`crawl_interval`);
* the alert queue lists the desk's cards first: requests for help and disaster rumours and frauds
  (alerts whose ``desk_topic`` is one of :data:`DESK_TOPICS`);
* those cards are also notified to the desk (``storm.desk_contacts`` through ``storm.desk_notifiers``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

STATE_KEY = "desk.storm"

#: What an alert's ``desk_topic`` may be: a request for help (求救), a disaster rumour (谣言) or a
#: disaster fraud (冒充救援、虚假募捐). Alerts of no desk topic leave the field out.
DESK_TOPICS = ("rescue", "rumor", "fraud")


@dataclass(frozen=True)
class StormMode:
    """The switch as read from the store (off when it was never switched)."""

    on: bool = False
    since: Optional[str] = None
    by: Optional[str] = None
    event: Optional[str] = None
    keywords: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


def state(store) -> dict[str, Any]:
    """The stored switch: ``{"on", "since", "by", "note", "event", "keywords", "places", "history"}``."""
    found = store.get_state(STATE_KEY) or {}
    return {"on": False, "since": None, "by": None, "note": "", "event": None, "keywords": [], "places": [],
            "history": [], **found}


def storm_mode(store) -> StormMode:
    data = state(store)
    return StormMode(on=bool(data["on"]), since=data["since"], by=data["by"], event=data.get("event"),
                     keywords=tuple(data.get("keywords") or ()), places=tuple(data.get("places") or ()))


def search_terms(config, mode: StormMode) -> list[str]:
    """What storm mode adds to the search and social sources' queries: the event's keywords and
    places, then ``storm.keywords``; nothing while it is off."""
    if not mode.on:
        return []
    terms = [*mode.keywords, *mode.places, *config["storm.keywords"]]
    return list(dict.fromkeys(str(t).strip() for t in terms if str(t).strip()))


def crawl_interval(config, mode: StormMode, base: int) -> int:
    """A source's crawl interval: ``base``, or while storm mode is on ``base`` times
    ``storm.crawl_interval_factor`` but not below ``storm.min_crawl_interval`` (nor above ``base``)."""
    if not mode.on:
        return base
    shortened = max(int(round(base * config["storm.crawl_interval_factor"])), int(config["storm.min_crawl_interval"]))
    return max(min(base, shortened), 1)
