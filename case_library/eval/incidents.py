"""Incidents of real posts for judging precedents, as the engine would describe them.

Three sources, each keeping its own split:

* ``storm``: the multi-post events a reader grouped in the 2021 Henan storm posts
  (``clustering/eval``: dev/test split by event). The grouping is the reader's; the record is built
  as the engine builds an incident (:func:`clustering.engine.build_incident`): c-TF-IDF keywords
  against the split's other events and its noise posts, the label from them and the streets, the
  category and streets voted by the posts' analyses (``yuqing analyze``, run as a user runs it).
* ``demo``: the incidents the engine itself finds in the bundled demo story (``yuqing analyze`` and
  ``yuqing cluster`` on it), and the story's threads it does not group. The story was written for
  the project, not real: its split is ``demo``, reported apart.
* ``weibo21``: single real Weibo posts of Weibo21 (val → dev, test → test) from the domains where
  street-level incidents happen, drawn at random with a fixed seed. Mostly they have no precedent
  in the library: they test that none is offered.

Texts are read from ``../shared/data`` and never written into the repository.
"""
from __future__ import annotations

import csv
import json
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from clustering import facets
from clustering.labels import class_keywords, make_label
from yuqing.records import DEFAULT_TZ, Analysis, Incident, parse_record

#: Weibo21 domains where the incidents a street office watches happen (entertainment, military,
#: politics and science are left out, so are posts of unknown domain).
WEIBO21_DOMAINS = ("社会生活", "灾难事故", "医药健康", "财经商业", "教育考试")
WEIBO21_FILES = {"dev": "val.csv", "test": "test.csv"}
#: the demo story's clock starts here (any fixed time: only the posts' spacing matters)
DEMO_START = datetime(2024, 9, 6, 8, 0, tzinfo=DEFAULT_TZ)
_PHONE = re.compile(r"(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")


@dataclass
class RealIncident:
    """An incident to judge: its engine record and its posts (contract documents, oldest first)."""

    incident: Incident
    split: str
    source: str
    docs: list[dict]

    @property
    def texts(self) -> list[str]:
        return [d["text"] for d in self.docs]

    def preview(self, posts: int = 5, chars: int = 600) -> str:
        """The first ``posts`` posts, ``[1] … [2] …``, about ``chars`` characters in all; phone
        numbers masked (the judge needs what happened, not who to call)."""
        shown = self.texts[:posts]
        share = max(60, chars // max(1, len(shown)))
        parts = []
        for number, text in enumerate(shown, 1):
            text = _PHONE.sub("1**********", " ".join(text.split()))
            parts.append(f"[{number}] {text[:share]}{'…' if len(text) > share else ''}")
        more = len(self.texts) - len(shown)
        return " ".join(parts) + (f" （另有{more}条）" if more > 0 else "")


# the engine, as a user runs it ------------------------------------------------------------------

def run_yuqing(*args: str) -> None:
    """``python -m yuqing`` with every setting at its default (an empty config file)."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as empty:
        empty.write("# every setting at its declared default\n")
    done = subprocess.run([sys.executable, "-m", "yuqing", "--config", empty.name, "-q", *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    Path(empty.name).unlink()
    if done.returncode != 0:
        raise SystemExit(f"yuqing {args[0]} exited {done.returncode}:\n{done.stderr[-2000:]}")


def analyze(docs: list[dict]) -> dict[str, Analysis]:
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "docs.jsonl", Path(tmp) / "analyses.jsonl"
        _write_jsonl(src, docs)
        run_yuqing("analyze", "--input", str(src), "--output", str(out))
        return {a.id: a for a in (parse_record(Analysis, line) for line in _lines(out))}


def engine_incident(incident_id: str, member_ids: list[str], keywords: list[str],
                    analyses: dict[str, Analysis]) -> Incident:
    """The record :func:`clustering.engine.build_incident` would make of these posts (its facets)."""
    found = [analyses[i] for i in member_ids if i in analyses]
    streets = facets.streets(found)
    return Incident(id=incident_id, label=make_label(keywords, streets), keywords=keywords, doc_ids=member_ids,
                    size=len(member_ids), category=facets.top_category(found), streets=streets)


# sources --------------------------------------------------------------------------------------------

def storm_incidents(split: str) -> list[RealIncident]:
    """The split's events of two posts or more (the labels of ``clustering/eval``)."""
    from clustering.eval.score import NOISE, posts, split_labels

    rows = split_labels(split)
    docs = {d["id"]: d for d in posts([r["id"] for r in rows])}
    members: dict[str, list[str]] = {}
    for row in rows:
        members.setdefault(row["event"], []).append(row["id"])
    events = {e: sorted(ids, key=lambda i: (docs[i]["published_at"], i))
              for e, ids in members.items() if e != NOISE and len(ids) >= 2}
    background = [i for e, ids in members.items() if e not in events for i in ids]  # noise and one-post events
    texts = {e: [docs[i]["text"] for i in ids] for e, ids in events.items()}
    texts[NOISE] = [docs[i]["text"] for i in background]
    keywords = class_keywords(texts, top=10, skip=(NOISE,))
    analyses = analyze([docs[i] for ids in events.values() for i in ids])
    return [RealIncident(engine_incident(f"storm:{e}", ids, keywords[e], analyses), split, "storm",
                         [docs[i] for i in ids]) for e, ids in sorted(events.items())]


def demo_incidents() -> list[RealIncident]:
    """The engine's incidents of two posts or more in the demo story, and the story's threads (a
    forum thread, a post with its replies and reposts) of two posts or more that no engine incident
    holds most of: the running demo clusters online, cycle by cycle, and finds some of them too."""
    from crawlers.replay import load_posts

    story = load_posts()
    docs, thread = {}, {}
    for post in story:
        doc_id = f"demo-{post.id}"
        text = f"{post.title}\n{post.text}" if post.title else post.text  # a news item's or a thread's title
        docs[doc_id] = {"id": doc_id, "text": text, "source": f"demo-{post.channel}", "source_type": post.channel,
                        "published_at": (DEMO_START + timedelta(minutes=post.at)).isoformat(),
                        "url": f"http://127.0.0.1/{post.channel}/{post.id}"}
        if post.thread:
            thread[doc_id] = f"demo-{post.thread}"
        elif post.reply_to:
            thread[doc_id] = thread.get(f"demo-{post.reply_to}", f"demo-{post.reply_to}")
    with tempfile.TemporaryDirectory() as tmp:
        src, out, assigned, records = (Path(tmp) / n for n in ("d.jsonl", "a.jsonl", "o.jsonl", "i.jsonl"))
        _write_jsonl(src, list(docs.values()))
        run_yuqing("analyze", "--input", str(src), "--output", str(out))
        run_yuqing("cluster", "--input", str(src), "--output", str(assigned), "--analyses", str(out),
                   "--incidents", str(records))
        analyses = {a.id: a for a in (parse_record(Analysis, line) for line in _lines(out))}
        engine = [parse_record(Incident, line) for line in _lines(records)]
    when = lambda i: (docs[i]["published_at"], i)  # noqa: E731
    groups = {f"demo:{inc.id}": sorted((i for i in inc.doc_ids if i in docs), key=when) for inc in engine}
    groups = {k: ids for k, ids in groups.items() if len(ids) >= 2}
    held = {i: k for k, ids in groups.items() for i in ids}
    threads: dict[str, list[str]] = {}
    for doc_id in docs:
        threads.setdefault(thread.get(doc_id, doc_id), []).append(doc_id)
    for root, ids in sorted(threads.items()):
        most = max(Counter(held.get(i) for i in ids).items(), key=lambda kv: kv[1])
        if len(ids) >= 2 and not (most[0] and most[1] * 2 > len(ids)):
            groups[f"demo:thread-{root[5:]}"] = sorted(ids, key=when)
    texts = {k: [docs[i]["text"] for i in ids] for k, ids in groups.items()}
    texts["noise"] = [docs[i]["text"] for i in docs if i not in {i for ids in groups.values() for i in ids}]
    keywords = class_keywords(texts, top=10, skip=("noise",))
    found = []
    for key, ids in sorted(groups.items()):
        record = next((inc for inc in engine if f"demo:{inc.id}" == key), None)
        incident = (record.model_copy(update={"id": key}) if record is not None
                    else engine_incident(key, ids, keywords[key], analyses))
        found.append(RealIncident(incident, "demo", "demo", [docs[i] for i in ids]))
    return found


def weibo21_incidents(split: str, count: int, seed: int = 12) -> list[RealIncident]:
    """``count`` posts of the split drawn at random from :data:`WEIBO21_DOMAINS`, one incident each."""
    from nlp.eval.label import data_root

    path = data_root() / "weibo21" / WEIBO21_FILES[split]
    with open(path, encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if len(r["content"].strip()) >= 20]
    rng = random.Random(f"{seed}:{split}")
    picked = rng.sample([i for i, r in enumerate(rows) if r["category"] in WEIBO21_DOMAINS], count)
    background = rng.sample([i for i in range(len(rows)) if i not in set(picked)], min(1000, len(rows) - count))
    texts = {i: [rows[i]["content"]] for i in picked}
    texts["noise"] = [rows[i]["content"] for i in background]
    keywords = class_keywords(texts, top=10, skip=("noise",))
    docs = [{"id": f"weibo21-{split}-{i}", "text": rows[i]["content"], "source": "weibo21", "source_type": "social",
             "published_at": DEMO_START.isoformat(), "url": f"http://127.0.0.1/weibo21/{split}/{i}"} for i in picked]
    analyses = analyze(docs)
    return [RealIncident(engine_incident(f"weibo21:{split}:{i}", [doc["id"]], keywords[i], analyses), split,
                         "weibo21", [doc]) for i, doc in sorted(zip(picked, docs))]


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
