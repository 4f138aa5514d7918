"""Risk scores per enterprise and month: 欠薪 (``wage_arrears``), 停工 (``shutdown``), 外迁 (``relocation``).

Each score (0-100) is a sum of points from signals of three sources, and keeps every signal with
its value and a sentence, so an analyst sees why:

* **indicators** — changes against the median of the ``baseline_months`` before (missing months
  skipped), adjusted by the same month of last year where there is one (a factory's usual 春节
  dip is not a shutdown; 春节 moves between January and February, so its month is compared with
  last year's 春节 month), else by the district's median change that month (:func:`peer_factors`): insured headcount (参保人数) and power falling together, contributions
  owed (社保欠缴), water and power cut to near zero, labour-inspection cases, 12345 tickets;
* **opinion** — linked posts and tickets of the month and the one before (``opinion_months``):
  欠薪/讨薪 words, gathering words (聚集、堵门、拉横幅), 停工/搬迁 words, their negative share; a
  post that only asks or passes on hearsay (听说、是不是、？) counts half;
* both **indicators and opinion** pointing the same way add 10 (:func:`corroborated`);
* **calendar** — the weeks before 春节 (the event calendar's ``labor_dispute`` windows in this or
  the next month) scale up a wage-arrears score that other signals already raised to
  ``CALENDAR_FROM`` (by half the window's sensitivity above 1, at most 15 points), never alone.

The points are a hand-made additive model (readable, auditable); the warning thresholds were
chosen on the simulator (``bench/bench_enterprise.py --tune``, seed 11), not on real data.
"""
from __future__ import annotations

import statistics
from calendar import monthrange
from datetime import date
from functools import lru_cache
from typing import Iterable, Optional

from enterprise.records import Enterprise, EnterpriseLink, IndicatorMonth, RiskScore, Signal, shift_month
from enterprise.settings import RISKS
from yuqing.records import now

SOURCES = ("indicators", "opinion", "calendar")
#: the 春节 window adds to a wage-arrears score only when the other signals reach this
CALENDAR_FROM = 25.0
RISK_LABELS = {"wage_arrears": "欠薪", "shutdown": "停工", "relocation": "外迁"}


def _value(series: dict[str, IndicatorMonth], month: str, field: str) -> Optional[float]:
    row = series.get(month)
    return None if row is None else getattr(row, field)


def _baseline(series: dict[str, IndicatorMonth], month: str, field: str, n: int) -> Optional[float]:
    found = []
    for back in range(1, n + 4):  # look a little further back over missing months
        value = _value(series, shift_month(month, -back), field)
        if value is not None:
            found.append(value)
        if len(found) == n:
            break
    return statistics.median(found) if found else None


@lru_cache(maxsize=256)
def _festival_months(year: int) -> tuple[str, str]:
    """The month of 春节 in ``year`` and the month after it (the usual dip and the slow restart)."""
    from event_calendar.lunar import spring_festival

    day = spring_festival(year)
    month = f"{day.year:04d}-{day.month:02d}"
    return month, shift_month(month, 1)


@lru_cache(maxsize=1024)
def seasonal_reference(month: str) -> Optional[str]:
    """Last year's month that plays the same part: the same month, or last year's 春节 month when this is
    this year's (春节 moves between January and February). ``None`` when there is none to compare with."""
    year = int(month[:4])
    now_fest, last_fest = _festival_months(year), _festival_months(year - 1)
    if month in now_fest:
        return last_fest[now_fest.index(month)]
    same = shift_month(month, -12)
    return None if same in last_fest else same


SEASONAL_FIELDS = ("headcount", "power_kwh", "water_m3", "contributions_paid")


def _expected(series, month: str, field: str, n: int, peers: Optional[dict] = None) -> Optional[float]:
    """The baseline, times the month's seasonal factor: last year's ratio of the same kind of month to
    its own baseline, or, without last year, the median ratio of every enterprise this month (``peers``)."""
    base = _baseline(series, month, field, n)
    if base is None:
        return None
    last_year = seasonal_reference(month)
    then = _value(series, last_year, field) if last_year else None
    then_base = _baseline(series, last_year, field, n) if last_year else None
    if then is not None and then_base:
        return base * min(max(then / then_base, 0.3), 1.5)
    factor = (peers or {}).get(month, {}).get(field)
    return base * factor if factor else base


def peer_factors(all_series: Iterable[dict], months: Iterable[str], n: int = 3) -> dict[str, dict[str, float]]:
    """Per month and field, the median of every enterprise's value over its baseline (at least 30 of them):
    the district's own seasonality (the 春节 dip, summer power), for enterprises without last year's data."""
    all_series = list(all_series)
    out: dict[str, dict[str, float]] = {}
    for month in months:
        out[month] = {}
        for field in SEASONAL_FIELDS:
            ratios = []
            for series in all_series:
                value, base = _value(series, month, field), _baseline(series, month, field, n)
                if value is not None and base:
                    ratios.append(value / base)
            if len(ratios) >= 30:
                out[month][field] = min(max(statistics.median(ratios), 0.3), 1.5)
    return out


def _drop(series, month: str, field: str, n: int, peers: Optional[dict] = None) -> Optional[float]:
    current, expected = _value(series, month, field), _expected(series, month, field, n, peers)
    if current is None or not expected:
        return None
    return max(0.0, 1.0 - current / expected)


class Features:
    """What one enterprise's month shows, computed once for the three risks."""

    def __init__(self, series: dict[str, IndicatorMonth], links: list[EnterpriseLink], month: str,
                 baseline_months: int, opinion_months: int, peers: Optional[dict] = None) -> None:
        n = baseline_months
        self.has_month = month in series
        self.headcount_drop = _drop(series, month, "headcount", n, peers)
        self.power_drop = _drop(series, month, "power_kwh", n, peers)
        self.water_drop = _drop(series, month, "water_m3", n, peers)
        self.paid_drop = _drop(series, month, "contributions_paid", n, peers)
        self.power_drop_before = _drop(series, shift_month(month, -1), "power_kwh", n, peers)
        owed = _value(series, month, "contributions_owed") or 0.0
        paid = _value(series, month, "contributions_paid") or 0.0
        self.owed = owed
        self.owed_ratio = owed / (owed + paid) if owed + paid > 0 else 0.0
        self.owed_before = _value(series, shift_month(month, -1), "contributions_owed") or 0.0
        self.inspections = sum(_value(series, shift_month(month, -b), "inspections") or 0 for b in range(2))
        tickets = _value(series, month, "tickets")
        base_tickets = _baseline(series, month, "tickets", n) or 0.0
        self.ticket_excess = (tickets - base_tickets) if tickets is not None else 0.0
        months = {shift_month(month, -b) for b in range(opinion_months)}
        self.links = [link for link in links if link.month in months]
        self.by_group: dict[str, list[str]] = {g: [] for g in ("arrears", "gathering", "shutdown", "relocation")}
        self.weight: dict[str, float] = {g: 0.0 for g in self.by_group}
        for link in self.links:
            for group in link.terms:
                if group in self.by_group:
                    self.by_group[group].append(link.doc_id)
                    self.weight[group] += 0.5 if "hearsay" in link.terms else 1.0
        rated = [link for link in self.links if link.sentiment]
        self.negative = [link.doc_id for link in rated if link.sentiment == "negative"]
        self.negative_share = len(self.negative) / len(rated) if rated else 0.0


def _sig(out: list[Signal], source: str, name: str, points: float, why: str, value=None, doc_ids=()) -> None:
    if points > 0:
        out.append(Signal(source=source, name=name, points=round(points, 1), why=why,
                          value=None if value is None else round(float(value), 3), doc_ids=list(doc_ids)[:20]))


def _posts(out, f: Features, group: str, name: str, each: float, most: float, label: str) -> None:
    ids, weight = f.by_group[group], f.weight[group]
    hedged = f"（其中 {round((len(ids) - weight) * 2)} 条为传闻或提问，计一半）" if weight < len(ids) else ""
    _sig(out, "opinion", name, min(each * weight, most), f"关联帖文/工单 {len(ids)} 条含{label}{hedged}",
         len(ids), ids)


def corroborated(signals: list[Signal]) -> list[Signal]:
    """Indicators and opinion pointing the same way are worth more than either: +10 when both gave 8+."""
    by_source: dict[str, float] = {}
    for s in signals:
        by_source[s.source] = by_source.get(s.source, 0.0) + s.points
    if by_source.get("indicators", 0) >= 8 and by_source.get("opinion", 0) >= 8:
        return [Signal(source="indicators+opinion", name="corroborated", points=10.0,
                       why="指标变化与舆情相互印证")]
    return []


def wage_arrears(f: Features) -> list[Signal]:
    out: list[Signal] = []
    if f.owed_ratio >= 0.05:
        _sig(out, "indicators", "contributions_owed", 35 * min(1.0, f.owed_ratio / 0.4),
             f"社保欠缴占应缴 {f.owed_ratio:.0%}", f.owed_ratio)
        if f.owed_before > 0 and f.owed >= f.owed_before:
            _sig(out, "indicators", "owed_two_months", 10, "社保连续两个月欠缴且未减少", f.owed)
    if f.headcount_drop is not None and f.headcount_drop >= 0.08:
        _sig(out, "indicators", "headcount_falling", 20 * min(1.0, f.headcount_drop / 0.3),
             f"参保人数比基线下降 {f.headcount_drop:.0%}", f.headcount_drop)
    if f.inspections >= 1:
        _sig(out, "indicators", "inspections", min(15 + 5 * (f.inspections - 1), 25),
             f"近两月劳动监察案件 {f.inspections:g} 件", f.inspections)
    if f.ticket_excess >= 2:
        _sig(out, "indicators", "tickets", 10 * min(1.0, f.ticket_excess / 5),
             f"12345 工单比基线多 {f.ticket_excess:g} 件", f.ticket_excess)
    _posts(out, f, "arrears", "arrears_posts", 12, 36, "欠薪/讨薪字样")
    _posts(out, f, "gathering", "gathering_posts", 10, 20, "聚集/堵门/拉横幅等字样")
    if len(f.links) >= 3 and f.negative_share >= 0.6:
        _sig(out, "opinion", "negative_share", 8, f"关联帖文负面占 {f.negative_share:.0%}", f.negative_share,
             f.negative)
    return out


def shutdown(f: Features) -> list[Signal]:
    out: list[Signal] = []
    if f.power_drop is not None and f.power_drop >= 0.4:
        power = 35 * min(1.0, f.power_drop / 0.9)
        _sig(out, "indicators", "power_falling", power,
             f"用电量比（季节调整后的）基线下降 {f.power_drop:.0%}", f.power_drop)
        if f.power_drop >= 0.9:
            _sig(out, "indicators", "power_near_zero", 15, "用电量接近零", f.power_drop)
        if (f.power_drop_before or 0.0) >= 0.2:
            _sig(out, "indicators", "power_falling_two_months", 10,
                 f"用电量连续两个月下降（上月 -{f.power_drop_before:.0%}）", f.power_drop_before)
        elif (f.headcount_drop or 0.0) < 0.05 and f.owed_ratio < 0.05 and not f.by_group["shutdown"]:
            # one month of low power with staff and contributions as usual looks like a planned
            # holiday or maintenance (计划停产、检修、轮休), the commonest false alarm
            out.append(Signal(source="indicators", name="looks_planned", points=-round(power / 2, 1),
                              why="仅本月用电下降，参保人数和社保缴费如常，无停工帖文：像计划检修或轮休，用电分值减半"))
    if f.water_drop is not None and f.water_drop >= 0.4:
        _sig(out, "indicators", "water_falling", 15 * min(1.0, f.water_drop / 0.9),
             f"用水量比基线下降 {f.water_drop:.0%}", f.water_drop)
    if f.headcount_drop is not None and f.headcount_drop >= 0.1:
        _sig(out, "indicators", "headcount_falling", 15 * min(1.0, f.headcount_drop / 0.4),
             f"参保人数比基线下降 {f.headcount_drop:.0%}", f.headcount_drop)
    if f.owed_ratio >= 0.05:
        _sig(out, "indicators", "contributions_owed", 10, f"社保欠缴占应缴 {f.owed_ratio:.0%}", f.owed_ratio)
    _posts(out, f, "shutdown", "shutdown_posts", 12, 30, "停工/停产字样")
    _posts(out, f, "arrears", "arrears_posts", 5, 10, "欠薪/讨薪字样")
    return out


def relocation(f: Features) -> list[Signal]:
    out: list[Signal] = []
    hd, pd = f.headcount_drop or 0.0, f.power_drop or 0.0
    if hd >= 0.2 and pd >= 0.2:
        _sig(out, "indicators", "headcount_and_power_falling", 30 * min(1.0, (hd + pd) / 1.0),
             f"参保人数（-{hd:.0%}）与用电量（-{pd:.0%}）同时下降", hd + pd)
    elif hd >= 0.3:
        _sig(out, "indicators", "headcount_falling", 10, f"参保人数比基线下降 {hd:.0%}", hd)
    if (f.paid_drop or 0.0) >= 0.5 and f.owed_ratio < 0.05:
        _sig(out, "indicators", "contributions_stopped", 10,
             f"社保实缴下降 {f.paid_drop:.0%} 而无欠缴（人员可能转出）", f.paid_drop)
    if (f.water_drop or 0.0) >= 0.5:
        _sig(out, "indicators", "water_falling", 10, f"用水量比基线下降 {f.water_drop:.0%}", f.water_drop)
    _posts(out, f, "relocation", "relocation_posts", 15, 45, "搬迁/外迁/设备运走字样")
    _posts(out, f, "gathering", "gathering_posts", 8, 16, "聚集/堵门/拉横幅等字样")
    return out


SCORERS = {"wage_arrears": wage_arrears, "shutdown": shutdown, "relocation": relocation}


def festival_windows(calendar, month: str, street: Optional[str]) -> list:
    """The calendar's ``labor_dispute`` windows open in ``month`` or the next (the weeks before 春节)."""
    if calendar is None:
        return []
    first = date(int(month[:4]), int(month[5:7]), 1)
    nxt = shift_month(month, 1)
    last = date(int(nxt[:4]), int(nxt[5:7]), monthrange(int(nxt[:4]), int(nxt[5:7]))[1])
    return [w for w in calendar.windows(first, last) if w.concerns("labor_dispute", street)
            and "labor_dispute" in w.categories]


def score_enterprise(enterprise: Enterprise, series: dict[str, IndicatorMonth], links: list[EnterpriseLink],
                     month: str, *, thresholds: dict[str, float], calendar=None, windows=None,
                     sources: Iterable[str] = SOURCES, baseline_months: int = 3,
                     opinion_months: int = 2, peers: Optional[dict] = None, scored_at=None) -> list[RiskScore]:
    """The three risk scores of one enterprise for ``month``, each with its signals.

    Args:
        series: the enterprise's indicator months by ``YYYY-MM``.
        links: its linked documents (any months; the ones of the opinion window are used).
        thresholds: warning threshold per risk.
        calendar: an :class:`event_calendar.Calendar` (or ``windows``, already looked up), or ``None``.
        sources: which sources count (the single-source baselines of the bench use one).
        peers: :func:`peer_factors` of this month and the one before, for seasonality without last year.
    """
    sources = set(sources)
    features = Features(series, links, month, baseline_months, opinion_months, peers)
    if windows is None:
        windows = festival_windows(calendar, month, enterprise.street)
    scored_at = scored_at or now()
    out = []
    for risk in RISKS:
        signals = [s for s in SCORERS[risk](features) if s.source in sources]
        signals += corroborated(signals)
        base = sum(s.points for s in signals)
        if risk == "wage_arrears" and "calendar" in sources and windows and base >= CALENDAR_FROM:
            # the window makes arrears likelier, it is no evidence of them: it scales what was seen
            w = max(windows, key=lambda w: w.sensitivity)
            _sig(signals, "calendar", "festival_window", min(15.0, base * (w.sensitivity - 1) * 0.5),
                 f"{w.name}（{w.start.isoformat()} 至 {w.end.isoformat()}）：{w.reason}", w.sensitivity)
        score = min(100.0, round(sum(s.points for s in signals), 1))
        threshold = float(thresholds.get(risk, 100))
        out.append(RiskScore(id=f"{enterprise.id}|{month}|{risk}", enterprise=enterprise.id, name=enterprise.name,
                             street=enterprise.street, month=month, risk=risk, score=score,
                             warning=score >= threshold, threshold=threshold,
                             signals=sorted(signals, key=lambda s: -s.points), scored_at=scored_at))
    return out
