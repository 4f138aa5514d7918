"""The emergency desk in a storm: a replayed storm of 5,000 posts, and the board with 5,000 requests.

    .venv/bin/python bench/bench_desk.py [--posts 5000] [--minutes 10] [--speed 10] [--requests 5000]
                                         [--skip-replay] [--stores sqlite,elasticsearch]

1. A synthetic storm (requests for help with their own phones and homes, reposts, 已获救 follow-ups,
   chatter), ``--posts`` posts over ``--minutes`` minutes of event time, replayed through the whole
   engine (:func:`desk.replay.replay`: posts stored as their time passes, every stage on the replay
   clock; SQLite in a temporary folder, the default config). Prints the time from a post to its
   request on the board, p50/p95, in event seconds (board time on the replay clock minus the post's
   time) and in wall seconds (stored → seen on a row), the requests found against the requests
   written, and how far the replay clock fell behind.
2. The board with ``--requests`` rows on each of ``--stores`` (Elasticsearch at ``$YUQING_ES_URL``):
   ``desk.board.list_requests`` + ``row`` of every row (what ``yuqing desk list`` does), one status,
   the first 200; then the pages from the real service over HTTP as a signed-in analyst (``/desk``,
   one status, ``/api/desk``, ``/desk/review``), p50/p95 of 20 requests.
Figures only, no asserts; not run by ``make test``.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import bench_store, percentile, served, time_calls, time_get  # noqa: E402
from yuqing.records import DEFAULT_TZ, Document  # noqa: E402

STREETS = ["民治街道", "龙华街道", "大浪街道", "观湖街道", "福城街道", "观澜街道"]
ESTATES = ["碧水龙庭", "桂花苑", "锦绣江南", "华润城", "龙华新村", "金地梅陇镇", "书香门第", "万科城"]
START = datetime(2021, 7, 20, 16, 0, tzinfo=DEFAULT_TZ)


def storm(posts: int, minutes: float, seed: int = 15) -> tuple[list[Document], int]:
    """(posts, how many distinct requests they hold)."""
    rng = random.Random(seed)
    docs, requests = [], []
    span = minutes * 60
    for i in range(posts):
        at = START + timedelta(seconds=span * i / posts)
        roll = rng.random()
        if roll < 0.5 or not requests:
            phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
            # one building per request: the engine reads a home to the building (栋), and two requests
            # of one building are merged as the same address
            home = f"{rng.choice(STREETS)}{rng.choice(ESTATES)}{len(requests) + 1}栋{rng.randrange(1, 30)}0{rng.randrange(1, 9)}"
            text = (f"{home}被困，{rng.randrange(2, 7)}人，有老人和小孩，水已经淹到二楼，急需救援，"
                    f"电话{phone}")
            requests.append((home, phone, text))
        elif roll < 0.8:
            text = "转发扩散：" + rng.choice(requests)[2]
        elif roll < 0.85:
            home, phone, _ = rng.choice(requests)
            text = f"更新：{home}的人已获救，勿再转，谢谢大家！电话{phone}"
        else:
            text = f"{rng.choice(STREETS)}积水严重，地铁停运，大家注意安全，不要出门"
        docs.append(Document(id=f"s{i}", text=text, published_at=at, source="weibo", source_type="social",
                             url=f"https://weibo.example/s{i}"))
    return docs, len(requests)


def bench_replay(args) -> None:
    from desk.replay import replay
    from yuqing.app import scheduler
    from yuqing.config import load_config
    from yuqing.storage.sqlite import SQLiteStore

    docs, written = storm(args.posts, args.minutes)
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.yaml"
        config_path.write_text(f"store:\n  path: {tmp}/storm.sqlite\n", encoding="utf-8")
        config = load_config(config_path, environ={})
        store = SQLiteStore(Path(tmp) / "storm.sqlite")
        board_clock: dict[str, datetime] = {}
        seen_rows: set[str] = set()

        def on_cycle(clock, _stored):
            for record in store.find_records("rescue_requests"):
                for doc_id in record.doc_ids:
                    board_clock.setdefault(doc_id, clock)
                seen_rows.add(record.id)

        started = time.perf_counter()
        report = replay(store, docs, lambda: scheduler.run_once(config, store, crawl=False), speed=args.speed,
                        step_seconds=args.step, on_cycle=on_cycle)
        wall = time.perf_counter() - started
        published = {d.id: d.published_at for d in docs}
        event = [(board_clock[i] - published[i]).total_seconds() for i in board_clock]
        walls = [report.board_at[i] - report.stored_at[i] for i in report.board_at]
        store.close()
    print(f"replayed storm: {args.posts} posts over {args.minutes} min at ×{args.speed:g}, step {args.step:g} s: "
          f"{report.cycles} cycles in {wall:.1f} s wall, clock behind by up to {report.behind_seconds:.0f} s")
    print(f"  requests written {written}, rows on the board {len(seen_rows)}, request posts on a row {len(event)}")
    print(f"  post → board, event time: p50 {percentile(event, 0.5):.0f} s, p95 {percentile(event, 0.95):.0f} s")
    print(f"  stored → on a row, wall time: p50 {percentile(walls, 0.5):.2f} s, p95 {percentile(walls, 0.95):.2f} s")


def _board_rows(n: int):
    from desk import board
    from yuqing.storage.base import JsonRecord

    rng = random.Random(16)
    statuses = list(board.STATUSES)
    rows = []
    for i in range(n):
        seen = (START + timedelta(seconds=i)).isoformat()
        rows.append(JsonRecord(id=f"req:{i:06d}", request_id=f"req:{i:06d}", doc_ids=[f"d{i}", f"d{i}r"],
                               phones=[f"138{i:08d}"], address=f"{rng.choice(STREETS)}某小区{i % 40}栋",
                               street=rng.choice(STREETS), people_count=rng.randrange(1, 8),
                               vulnerable=["elderly"], needs=["evacuation"], urgency=round(rng.random(), 3),
                               status=rng.choice(statuses), first_seen=seen, last_seen=seen,
                               history=[{"who": "王敏", "when": seen, "action": "desk_status", "to": "verified"}]))
    return rows


def bench_board(args, backend: str) -> None:
    """The board's engine reads, then its pages over HTTP from the real service (as ``yuqing run``)."""
    from desk import board

    with tempfile.TemporaryDirectory() as tmp, bench_store(backend, Path(tmp), "desk") as store:
        rows = _board_rows(args.requests)
        for start in range(0, len(rows), 1000):
            store.put_records("rescue_requests", rows[start:start + 1000])
        if backend != "sqlite":
            store.flush()
        for label, run in (("every row (list_requests + row)",
                            lambda: [board.row(d) for d in board.list_requests(store)]),
                           ("status new", lambda: [board.row(d) for d in board.list_requests(store, statuses=["new"])]),
                           ("first 200 rows", lambda: [board.row(d) for d in board.list_requests(store, limit=200)])):
            p50, p95 = time_calls(run, 20)
            print(f"{backend}: board of {args.requests} requests, {label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
        with served(store) as client:
            for path in ("/desk", "/desk?status=new", "/api/desk", "/desk/review"):
                p50, p95, _ = time_get(client, path, 20)
                print(f"{backend}: page {path:<18} with {args.requests} requests: p50 {p50:.0f} ms, p95 {p95:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--step", type=float, default=30.0, help="replay seconds between engine cycles")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--skip-replay", action="store_true")
    parser.add_argument("--stores", default="sqlite,elasticsearch", help="stores the board is timed on")
    args = parser.parse_args()
    if not args.skip_replay:
        bench_replay(args)
    for backend in args.stores.split(","):
        bench_board(args, backend.strip())


if __name__ == "__main__":
    main()
