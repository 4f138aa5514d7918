"""Bursts (突发) and lifecycle: is an incident growing, against itself and against its peers?

Two baselines. The incident's own: its rate over the recent period against its rate before, with
one pseudo-post so that a brand-new incident reads as growth ``recent + 1`` and is flagged while
still small. Its peers': the hourly rate of posts on the same street and category in the window
before the recent period; the recent count is scored as a Poisson z-score against it.
Lifecycle: emerging → growing → peak → declining → closed.
"""
from __future__ import annotations

import math
from bisect import bisect_left
from datetime import datetime, timedelta
from typing import Sequence

from clustering.settings import SETTINGS
from yuqing.config import settings_params

STATES = ("emerging", "growing", "peak", "declining", "closed")


@settings_params(SETTINGS, "clustering.burst_", close_after_hours="clustering.close_after_hours",
                 window_hours="clustering.window_hours")
class BurstParams:
    recent_hours: int
    growth: float
    z: float
    close_after_hours: int
    window_hours: int


def own_growth(times: Sequence[datetime], now: datetime, recent_hours: int) -> tuple[float, int]:
    """(growth, recent posts): recent rate over the rate before, since the incident began."""
    cut = now - timedelta(hours=recent_hours)
    recent = sum(1 for t in times if t >= cut)
    earlier = [t for t in times if t < cut]
    if not earlier:
        return float(recent + 1), recent
    span_hours = max(recent_hours, (cut - min(earlier)).total_seconds() / 3600)
    expected = len(earlier) / span_hours * recent_hours
    return round((recent + 1) / (expected + 1), 3), recent


class SortedTimes(list):
    """Times in ascending order, so that counting those in a period is a binary search.

    The window hands every incident of a street and category the same peer times; event-aware
    incidents are many and small (5,062 on the 100,000-document engine bench), and counting by a scan
    took 112 of that run's 151 s.
    """


def peer_z(recent_count: int, peer_times: Sequence[datetime], now: datetime, recent_hours: int,
           window_hours: int) -> float:
    """Poisson z-score of ``recent_count`` against the peers' rate before the recent period."""
    cut = now - timedelta(hours=recent_hours)
    start = now - timedelta(hours=window_hours)
    ordered = peer_times if isinstance(peer_times, SortedTimes) else sorted(peer_times)
    before = bisect_left(ordered, cut) - bisect_left(ordered, start)
    base_hours = max(1.0, (cut - start).total_seconds() / 3600)
    expected = before / base_hours * recent_hours
    return round((recent_count - expected) / math.sqrt(expected + 1.0), 3)


def lifecycle(times: Sequence[datetime], now: datetime, growth: float, params: BurstParams) -> str:
    """The lifecycle state of an incident whose posts were published at ``times``."""
    first, last = min(times), max(times)
    if now - last > timedelta(hours=params.close_after_hours):
        return "closed"
    if now - first <= timedelta(hours=params.recent_hours):
        return "emerging"
    if growth >= params.growth:
        return "growing"
    recent = timedelta(hours=params.recent_hours)
    recent_count = sum(1 for t in times if t >= now - recent)
    peak = max(_sliding_counts(sorted(times), recent))
    return "peak" if recent_count >= 0.6 * peak else "declining"


def _sliding_counts(times: list[datetime], width: timedelta) -> list[int]:
    """Posts in each window ``(t - width, t]`` ending at a post (two pointers)."""
    counts, left = [], 0
    for right, t in enumerate(times):
        while times[left] <= t - width:
            left += 1
        counts.append(right - left + 1)
    return counts or [0]


def burst(times: Sequence[datetime], peer_times: Sequence[datetime], now: datetime,
          params: BurstParams) -> dict:
    """Growth, peer z-score, burst flag and lifecycle state of one incident."""
    growth, recent = own_growth(times, now, params.recent_hours)
    z = peer_z(recent, peer_times, now, params.recent_hours, params.window_hours)
    state = lifecycle(times, now, growth, params)
    flagged = state != "closed" and recent >= 2 and (growth >= params.growth or z >= params.z)
    return {"growth": growth, "recent": recent, "peer_z": z, "is_burst": flagged, "state": state}
