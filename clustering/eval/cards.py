"""Open alert cards per real event: the 1,981 storm posts replayed through the whole engine, then
each open card matched to the labelled events of its posts (``labels/henan_events.jsonl``).

    python -m clustering.eval.cards --store /tmp/cards/new.sqlite --replay   # replay, then score dev
    python -m clustering.eval.cards --store /tmp/cards/new.sqlite            # score a replayed store again
    python -m clustering.eval.cards --store /tmp/cards/new.sqlite --split all

``--replay`` runs ``yuqing replay posts.jsonl --speed 100000 --step 1800`` as a user does, in a
subprocess, on an empty store at ``--store`` (it refuses a store that exists), with an empty config
(every setting at its declared default, the shipped rules), and writes its log beside the store. The
posts are read from ``../shared/data`` (never from the repository), all of them whatever the split:
the engine sees the whole storm; only the scoring reads a split.

Scoring: a card counts once for every labelled event among its posts (a card spanning two events
counts for both); **cards per event** is those (card, event) pairs over the events that got a card.
Cards whose posts the labellers all called noise have no event and are counted apart. A split is the
events' own (``clustering.eval.score.split_of``); a noise card belongs to the split of most of its
posts. ``by kind`` splits the pairs by what raised the card: each rule by name, ``incident`` for the
one card of an incident (``incident:ID``, whichever rules joined it; ``rules_on_incident_cards``
counts them). Beside the headline two readings: without the request cards (the analyst's event
cards), and with a request card not counted for an event whose card lists it (``requests``:
read there).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from clustering.eval.score import LABELS, NOISE, posts, read_jsonl, split_of

REPLAY = ["--speed", "100000", "--step", "1800"]


def replay(store: Path, overrides: list[str]) -> None:
    """Replay every labelled post into a new store at ``store`` (log: ``store`` + ``.log``)."""
    if store.exists():
        raise SystemExit(f"{store} exists: the replay needs an empty store; name a new file")
    store.parent.mkdir(parents=True, exist_ok=True)
    rows = read_jsonl(LABELS)
    docs = sorted(posts([r["id"] for r in rows]), key=lambda d: d["published_at"])
    with tempfile.TemporaryDirectory() as tmp:
        source, config = Path(tmp) / "posts.jsonl", Path(tmp) / "empty.yaml"
        source.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
        config.write_text("{}\n", encoding="utf-8")
        command = [sys.executable, "-m", "yuqing", "replay", str(source), "--config", str(config),
                   "-s", f"store.path={store}", *REPLAY, "--format", "json"]
        for item in overrides:
            command += ["-s", item]
        with open(f"{store}.log", "w", encoding="utf-8") as log:
            done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise SystemExit(f"yuqing replay exited {done.returncode}; see {store}.log")


def open_cards(store_path: Path) -> list:
    from yuqing.config import load_config
    from yuqing.records import OPEN_ALERT_STATES
    from yuqing.storage import open_store

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "empty.yaml"
        config.write_text("{}\n", encoding="utf-8")
        store = open_store(load_config(config, [f"store.path={store_path}"]))
    return store.find_records("alerts", {"state": list(OPEN_ALERT_STATES)}, order_by="created_at", limit=1000000)


def kind_of(card) -> str:
    return "incident" if str(card.dedup_key or "").startswith("incident:") else card.rule


def score(cards: list, split: str) -> dict:
    rows = read_jsonl(LABELS)
    event_of = {r["id"]: r["event"] for r in rows}
    split_of_post = {r["id"]: split_of(r) for r in rows}
    listed = {rid for card in cards for rid in (getattr(card, "requests", None) or [])}
    pairs, noise_cards, cards_in_split = Counter(), Counter(), Counter()
    by_event: dict[str, Counter] = defaultdict(Counter)
    desk_free: Counter = Counter()  # per event, the cards that are not requests for help
    read_on_event = 0  # (request card, event) pairs whose event's card lists the request
    covered = {(rid, e) for card in cards for rid in (getattr(card, "requests", None) or [])
               for e in (event_of.get(d, NOISE) for d in card.doc_ids) if e != NOISE}
    joined: Counter = Counter()  # the rules on incident cards
    attached = 0
    for card in cards:
        kind = kind_of(card)
        events = {event_of[d] for d in card.doc_ids if event_of.get(d, NOISE) != NOISE}
        if not events:  # stands on noise only: the split of most of its posts
            splits = Counter(split_of_post[d] for d in card.doc_ids if d in split_of_post)
            if splits and (split == "all" or splits.most_common(1)[0][0] == split):
                noise_cards[kind] += 1
                cards_in_split[kind] += 1
            continue
        events = {e for e in events if split == "all" or split_of({"event": e, "id": ""}) == split}
        if events:
            cards_in_split[kind] += 1
            attached += _is_request(card) and _request_key(card) in listed
            if kind == "incident":
                joined.update(getattr(card, "rules", None) or [card.rule])
        for event in events:
            pairs[kind] += 1
            by_event[event][kind] += 1
            if not _is_request(card):
                desk_free[event] += 1
            elif (_request_key(card), event) in covered:
                read_on_event += 1
    gold = {e for e in event_of.values() if e != NOISE and (split == "all" or split_of({"event": e, "id": ""}) == split)}
    carded = len(by_event)
    total = sum(pairs.values())
    return {
        "split": split, "events": len(gold), "events_with_a_card": carded,
        "open_cards": sum(cards_in_split.values()), "cards_on_noise_only": sum(noise_cards.values()),
        "card_event_pairs": total, "cards_per_event": round(total / carded, 2) if carded else None,
        "cards_per_event_without_requests": round(sum(desk_free.values()) / max(1, len(desk_free)), 2),
        "events_with_a_card_without_requests": len(desk_free),
        "request_cards_on_an_event_card": attached,
        "cards_per_event_requests_read_on_their_event_card": round((total - read_on_event) / carded, 2)
        if carded else None,
        "rules_on_incident_cards": dict(joined.most_common()),
        "by_kind": {k: {"cards": cards_in_split[k], "pairs": pairs[k], "per_event": round(pairs[k] / carded, 2)
                        if carded else None, "on_noise_only": noise_cards[k]}
                    for k in sorted(cards_in_split, key=lambda k: -cards_in_split[k])},
    }


def _is_request(card) -> bool:
    return getattr(card, "desk_topic", None) == "rescue"


def _request_key(card) -> str:
    """The desk row of a request card: its de-dup key without the rule's name (``req:…``)."""
    return str(card.dedup_key or "").split(":", 1)[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m clustering.eval.cards", description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="the replay's SQLite store")
    parser.add_argument("--replay", action="store_true", help="replay the posts into --store first")
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("-s", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting for the replay (repeatable)")
    args = parser.parse_args(argv)
    if args.replay:
        replay(args.store, args.overrides)
    print(json.dumps(score(open_cards(args.store), args.split), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
