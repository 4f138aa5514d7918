"""Enterprises, indicator files and posts written for the enterprise tests."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from enterprise.indicators import code_check_char
from yuqing.records import DEFAULT_TZ

HEADERS = ["统一社会信用代码", "企业名称", "所属街道", "月份", "参保人数", "社保缴费", "社保欠费", "用电量", "用水量",
           "12345工单", "劳动监察案件"]


def code(n: int) -> str:
    """A valid unified social credit code, different for each ``n``."""
    body = f"91440300MA5{n:06d}"
    return body + code_check_char(body)


def quiet_rows(code_, name, street, months, head=120, power=50_000, water=800):
    """Steady months: ``[code, name, street, YYYY-MM, headcount, paid, owed, power, water, tickets, cases]``."""
    return [[code_, name, street, m, head, head * 1100, 0, power, water, 0, 0] for m in months]


def write_csv(path: Path, rows, headers=HEADERS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def months(first: str, count: int) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    for _ in range(count):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def at(month: str, day: int = 10) -> datetime:
    return datetime(int(month[:4]), int(month[5:7]), day, 12, tzinfo=DEFAULT_TZ)


def store_settings(store, tmp_path) -> list[str]:
    """``-s`` options that point a command at the test's store (either backend)."""
    if store is None or store.name == "sqlite":
        return ["-s", f"store.path={store.path if store else tmp_path / 'cli.sqlite'}"]
    return ["-s", f"store.path={tmp_path / 'cli.sqlite'}", "-s", "store.backend=elasticsearch",
            "-s", f"store.elasticsearch.hosts=[{store.hosts[0]}]",
            "-s", f"store.elasticsearch.index_prefix={store.prefix}"]


def yuqing(store, tmp_path, *args):
    """The command as users run it: a subprocess, without -q, output to a pipe."""
    return subprocess.run([sys.executable, "-m", "yuqing", *args, *store_settings(store, tmp_path)],
                          capture_output=True, text=True, timeout=600, env=dict(os.environ, PYTHONUNBUFFERED="1"))
