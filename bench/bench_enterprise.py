"""Enterprise risk on a simulator: 欠薪 (wage arrears), 停工 (shutdown), 外迁 (relocation) warnings.

    .venv/bin/python bench/bench_enterprise.py                      # report, seed 2027 (thresholds from config)
    .venv/bin/python bench/bench_enterprise.py --tune --seed 11     # choose the thresholds (another seed)
    .venv/bin/python bench/bench_enterprise.py --timing             # + import 100,000 rows, score 10,000

ALL FIGURES ARE SIMULATED. No public data of this kind exists (social-security, power and water
use per enterprise are held by the streets). The simulator is documented here so the figures can
be judged for what they are: a check that the pipeline finds the patterns it was designed to find,
and how much each source adds, not an estimate of accuracy on a real street.

The simulated world (``--enterprises`` 3,000 × 24 months, 2025-01 … 2026-12, six streets):

* **Enterprises**: a valid unified social credit code, a name 深圳市 + 字号 + industry + 有限公司;
  about 4% share their 字号 and industry with another enterprise in another street (``鑫达厂`` is
  then ambiguous), 3% are renamed in a random month (posts use the old or the new name after it),
  a third have an alias, half an address.
* **Indicators**: headcount log-normal (median 80), power ≈ 450 kWh and water ≈ 3.5 m³ per insured
  worker and month; seasonality: the 春节 month (January or February, from the lunar calendar)
  power ×0.55, water ×0.6, headcount ×0.93, the month after ×0.85; summer power +10%; noise
  (log-normal σ 0.10 power, 0.12 water, 0.02 headcount); contributions ≈ 1,100 yuan per worker,
  administrative arrears (5-30% owed) in 1.5% of months (3% in the two months before 春节);
  12345 tickets Poisson(0.15), labour-inspection cases Poisson(0.01); 3% of months missing and
  2% of enterprises missing two months in a row.
* **Posts** naming the enterprise (full name, short name, 字号+厂, alias or address; the analysed
  street known for half of them): background Poisson(0.25) per month (招工, 食堂, traffic,
  complaints about noise), single workers' pay disputes (克扣工资) Poisson(0.02), twice as often
  before 春节; posts with risk words that are not risks: relocation rumours (听说要搬走了？)
  Poisson(0.015), a move to a bigger plant next door (搬迁到新厂房) Poisson(0.005), a day off for a
  typhoon or rainstorm (停工一天) Poisson(0.04) in June-September, 0.005 otherwise.
* **Planted events** in 15% of enterprises, one each: wage arrears 50% (40% of them in the 春节
  month or the one before), shutdown 20%, relocation 30%; event month 9 … 23. A lead of 1-3 months
  before it, of strength strong 30% / medium 30% / weak 25% / none 15%; each source (indicators,
  opinion) carries the lead independently (strong 0.9/0.8, medium 0.75/0.65, weak 0.6/0.5, none
  0/0), with amplitudes by strength (owed ratio up to 0.40/0.25/0.12; power falling 60/40/25%;
  headcount and power falling together 50/35/20%; posts Poisson 2.5/1.5/0.8 a month at the end).
  Events with no lead at all cannot be warned of: they stay in the recall denominator.
* **False alarms**: 4% of enterprises take a planned holiday (设备检修、轮休) of one month outside
  春节: power ×0.3, water ×0.4, headcount unchanged, a neutral post about it.

Scoring uses the engine's own code (``enterprise.linking`` on the generated texts,
``enterprise.scoring.score_enterprise``) for every enterprise and month 7 … 24, three ways: all
sources, indicators only, opinion only. A warning is a month scored at or over the risk's threshold;
consecutive warning months of one enterprise and risk are one warning *episode*. An episode is
right when it overlaps months E-3 … E+2 of an event of the same risk at that enterprise; one that
overlaps an event of another risk there (the unpaid wages of a relocating factory) is left out of
precision and counted apart (``other_risk_episodes``); every other episode is a false alarm.
**Precision** = right episodes / episodes; **recall** = events warned of 1-3 months ahead (a warning
in E-3 … E-1) / events; **lead** = E − the first warning month, median over events warned ahead.
Thresholds are chosen with ``--tune`` on seed 11 (per method and risk: the threshold with the best
recall at precision ≥ 0.85 there, a margin over the goal's 0.80; otherwise the best F1) and the
figures are reported on seed 2027.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from enterprise.indicators import code_check_char  # noqa: E402
from enterprise.linking import Linker, links_for  # noqa: E402
from enterprise.records import Enterprise, IndicatorMonth  # noqa: E402
from enterprise.scoring import score_enterprise  # noqa: E402
from enterprise.settings import RISKS  # noqa: E402
from event_calendar.lunar import spring_festival  # noqa: E402
from yuqing.records import DEFAULT_TZ  # noqa: E402

STREETS = ["民治街道", "大浪街道", "龙华街道", "观湖街道", "福城街道", "观澜街道"]
CHARS = "鑫达宏兴华盛泰丰源隆昌恒通力创新科美佳信安德利和顺嘉富永金汇成伟业联荣光明辉锦瑞祥腾飞骏豪凯"
INDUSTRIES = ["电子", "五金", "塑胶", "制衣", "家具", "印刷", "包装", "电器", "精密", "模具", "玩具", "鞋业"]
START = (2025, 1)
STRENGTH = {"strong": (0.30, 0.9, 0.8), "medium": (0.30, 0.75, 0.65), "weak": (0.25, 0.6, 0.5),
            "none": (0.15, 0.0, 0.0)}
AMP = {"wage_arrears": {"strong": 0.40, "medium": 0.25, "weak": 0.12},
       "shutdown": {"strong": 0.60, "medium": 0.40, "weak": 0.25},
       "relocation": {"strong": 0.50, "medium": 0.35, "weak": 0.20}}
POSTS = {"strong": 2.5, "medium": 1.5, "weak": 0.8}
TEXTS = {
    "background": ["{n}今天在招工，包吃住，有意者联系", "{n}食堂伙食怎么样？", "路过{n}，下班高峰车很多",
                   "{n}门口货车太多，晚上很吵", "{n}附近的路坑坑洼洼，希望修一下", "在{n}上班通勤方便吗"],
    "dispute": ["在{n}干了两个月，离职时被克扣工资", "{n}的主管说试用期工资要押一个月，合理吗"],
    "arrears": ["{n}拖欠工资三个月了，工人们去讨薪也没结果", "{n}又没发工资，老板说下个月再说",
                "{n}欠薪，劳动监察能不能管管", "{n}的工资没发，过年回家的路费都没有"],
    "gathering": ["{n}门口几十个工人聚集拉横幅讨薪", "{n}的工人堵门维权，要求结清工资"],
    "shutdown": ["{n}停工了，说是没订单", "{n}这个月开工不足，天天没活干", "{n}停产了，工人在宿舍等通知"],
    "relocation": ["{n}晚上在拉走设备，听说要搬到越南", "{n}要外迁了，工人怎么办", "{n}连夜搬厂，宿舍都空了"],
    "holiday": ["{n}安排员工轮休一个月，设备检修", "{n}这个月检修，员工轮休"],
    "rumor": ["听说{n}要搬走了？有没有知情的", "{n}是不是要外迁？路上看到货车"],
    "weather": ["台风来了，{n}停工一天", "暴雨，{n}今天停工放假"],
    "expansion": ["{n}搬迁到隔壁新厂房，规模扩大了，还在招人"],
}
NEGATIVE = {"arrears", "gathering", "shutdown", "relocation", "dispute", "rumor"}


def month_name(index: int) -> str:
    y, m = divmod(START[0] * 12 + START[1] - 1 + index, 12)
    return f"{y:04d}-{m + 1:02d}"


def valid_code(rng: random.Random) -> str:
    body = "91440300" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + code_check_char(body)


def festival_indices(months: int) -> set[int]:
    found = set()
    for year in range(START[0], START[0] + months // 12 + 1):
        day = spring_festival(year)
        index = (day.year - START[0]) * 12 + day.month - START[1]
        if 0 <= index < months:
            found.add(index)
    return found


class World:
    """The simulated street: enterprises, their monthly series, posts, planted events and holidays."""

    def __init__(self, seed: int, n: int, months: int = 24) -> None:
        rng = random.Random(seed)
        self.rng, self.months = rng, months
        self.festival = festival_indices(months)
        self.enterprises: list[Enterprise] = []
        self.series: dict[str, dict[str, IndicatorMonth]] = {}
        self.posts: list[SimpleNamespace] = []
        self.events: list[tuple[str, str, int, str]] = []  # (enterprise, risk, month index, strength)
        self.holidays: list[tuple[str, int]] = []
        used: set[str] = set()
        for i in range(n):
            self._enterprise(i, rng, used)

    # --- enterprises and names ---------------------------------------------------------------------
    def _enterprise(self, i: int, rng: random.Random, used: set[str]) -> None:
        shared = self.enterprises and rng.random() < 0.04
        if shared:
            other = rng.choice(self.enterprises)
            trade, industry = other.extra_trade, other.extra_industry
            street = rng.choice([s for s in STREETS if s != other.street])
            name = f"深圳市{trade}{industry}科技有限公司" if f"深圳市{trade}{industry}科技有限公司" not in used \
                else f"深圳市{trade}{industry}实业有限公司"
        else:
            while True:
                trade, industry = rng.choice(CHARS) + rng.choice(CHARS), rng.choice(INDUSTRIES)
                name = f"深圳市{trade}{industry}有限公司"
                if trade[0] != trade[1] and name not in used and trade not in {e.extra_trade for e in self.enterprises[-50:]}:
                    break
            street = rng.choice(STREETS)
        used.add(name)
        address = f"{street[:-2]}{rng.choice('东南西北')}环路{rng.randint(1, 300)}号" if rng.random() < 0.5 else None
        aliases = [f"{trade}{rng.choice(['一厂', '二厂', '老厂'])}"] if rng.random() < 0.33 else []
        ent = Enterprise(id=valid_code(rng), name=name, names=[name], aliases=aliases, street=street,
                         industry=industry, address=address)
        ent.extra_trade, ent.extra_industry = trade, industry
        ent.renamed_at = None
        if rng.random() < 0.03:
            ent.renamed_at = rng.randint(3, self.months - 2)
            new = f"深圳市{trade}{rng.choice(['智造', '新材'])}有限公司"
            ent.old_name, ent.new_name = name, new
        self.enterprises.append(ent)
        self._simulate(ent, rng)

    def name_at(self, ent, month: int) -> str:
        if ent.renamed_at is not None and month >= ent.renamed_at:
            return ent.new_name
        return ent.name

    def mention(self, ent, month: int, rng: random.Random) -> str:
        full = self.name_at(ent, month)
        if ent.renamed_at is not None and month >= ent.renamed_at and rng.random() < 0.5:
            full = ent.old_name  # people keep the old name
        roll = rng.random()
        short = full.replace("深圳市", "").replace("有限公司", "")
        if roll < 0.2:
            return full
        if roll < 0.5:
            return short
        if roll < 0.8:
            return ent.extra_trade + "厂"
        if roll < 0.9 and ent.aliases:
            return ent.aliases[0]
        if ent.address:
            return f"{ent.address}那家厂"
        return short

    # --- series and posts ------------------------------------------------------------------------------
    def _simulate(self, ent, rng: random.Random) -> None:
        months = self.months
        head = max(8.0, math.exp(rng.gauss(math.log(80), 0.8)))
        per_power, per_water = rng.uniform(300, 600), rng.uniform(2.5, 4.5)
        mult = {k: [1.0] * months for k in ("head", "power", "water")}
        owed = [0.0] * months
        extra_tickets, extra_insp = [0.0] * months, [0.0] * months
        posts = defaultdict(list)
        for m in range(months):
            if m in self.festival:
                mult["power"][m] *= 0.55
                mult["water"][m] *= 0.6
                mult["head"][m] *= 0.93
            if m - 1 in self.festival:
                mult["power"][m] *= 0.85
            if int(month_name(m)[5:]) in (7, 8):
                mult["power"][m] *= 1.10
            pre = (m + 1) in self.festival or (m + 2) in self.festival
            if rng.random() < (0.03 if pre else 0.015):
                owed[m] = rng.uniform(0.05, 0.3)
            for _ in range(_poisson(rng, 0.25)):
                posts[m].append("background")
            for _ in range(_poisson(rng, 0.04 if pre else 0.02)):
                posts[m].append("dispute")
            for kind, lam in (("rumor", 0.015), ("expansion", 0.005),
                              ("weather", 0.04 if int(month_name(m)[5:]) in (6, 7, 8, 9) else 0.005)):
                for _ in range(_poisson(rng, lam)):
                    posts[m].append(kind)
        if rng.random() < 0.04:  # a planned holiday, outside 春节
            m = rng.choice([i for i in range(6, months) if i not in self.festival and i - 1 not in self.festival])
            mult["power"][m] *= 0.3
            mult["water"][m] *= 0.4
            posts[m].append("holiday")
            self.holidays.append((ent.id, m))
        gone_from = None
        if rng.random() < 0.15:
            risk = rng.choices(RISKS, weights=(0.5, 0.2, 0.3))[0]
            if risk == "wage_arrears" and rng.random() < 0.4:
                E = rng.choice([f + d for f in self.festival for d in (0, -1) if 9 <= f + d < months] or [15])
            else:
                E = rng.randint(9, months - 1)
            strength = rng.choices(list(STRENGTH), weights=[v[0] for v in STRENGTH.values()])[0]
            _, p_ind, p_op = STRENGTH[strength]
            ind, op = rng.random() < p_ind, rng.random() < p_op
            lead = rng.choices((1, 2, 3), weights=(0.3, 0.4, 0.3))[0]
            self.events.append((ent.id, risk, E, strength))
            amp = AMP[risk].get(strength, 0.0)
            lam = POSTS.get(strength, 0.0)
            for k in range(1, lead + 1):
                m = E - lead - 1 + k
                frac = k / lead
                if ind:
                    if risk == "wage_arrears":
                        owed[m] = max(owed[m], amp * frac)
                        mult["head"][m] *= 1 - 0.15 * amp / 0.4 * frac
                        extra_insp[m] += _poisson(rng, 0.6 * amp / 0.4 * frac)
                        extra_tickets[m] += _poisson(rng, 3 * amp / 0.4 * frac)
                    elif risk == "shutdown":
                        mult["power"][m] *= 1 - amp * frac
                        mult["water"][m] *= 1 - amp * frac
                        mult["head"][m] *= 1 - 0.1 * frac
                    else:
                        mult["power"][m] *= 1 - amp * frac
                        mult["head"][m] *= 1 - amp * frac
                        mult["water"][m] *= 1 - 0.8 * amp * frac
                if op:
                    group = {"wage_arrears": "arrears", "shutdown": "shutdown", "relocation": "relocation"}[risk]
                    for _ in range(_poisson(rng, lam * frac)):
                        posts[m].append(group)
                    if k == lead and risk != "shutdown" and rng.random() < 0.5 * frac:
                        posts[m].append("gathering")
            # the event itself and after
            if risk == "wage_arrears":
                for m in range(E, min(E + 2, months)):
                    owed[m] = max(owed[m], 0.6)
                    mult["head"][m] *= 0.8
                    extra_insp[m] += rng.randint(1, 3)
                    extra_tickets[m] += 5
                    posts[m] += ["arrears"] * _poisson(rng, 4) + ["gathering"] * _poisson(rng, 1.5)
            else:
                gone_from = E
                group = "shutdown" if risk == "shutdown" else "relocation"
                posts[E] += [group] * _poisson(rng, 3) + ["gathering"] * _poisson(rng, 1.0)
        gap = rng.randrange(months - 1) if rng.random() < 0.02 else None
        series = {}
        for m in range(months):
            if rng.random() < 0.03 or (gap is not None and m in (gap, gap + 1)):
                continue
            if gone_from is not None and m >= gone_from:
                h = head * (0.1 if m > gone_from else 0.5) * rng.uniform(0.8, 1.2)
                pw, wt = h * per_power * 0.1, h * per_water * 0.15
            else:
                h = head * mult["head"][m] * math.exp(rng.gauss(0, 0.02))
                pw = head * per_power * mult["power"][m] * math.exp(rng.gauss(0, 0.10))
                wt = head * per_water * mult["water"][m] * math.exp(rng.gauss(0, 0.12))
            h = round(h)
            due = h * 1100.0
            series[month_name(m)] = IndicatorMonth(
                id=f"{ent.id}|{month_name(m)}", enterprise=ent.id, period=month_name(m), street=ent.street,
                headcount=h, contributions_paid=round(due * (1 - owed[m])), contributions_owed=round(due * owed[m]),
                power_kwh=round(pw), water_m3=round(wt, 1), tickets=_poisson(rng, 0.15) + extra_tickets[m],
                inspections=_poisson(rng, 0.01) + extra_insp[m])
        self.series[ent.id] = series
        for m, kinds in posts.items():
            for n, kind in enumerate(kinds):
                text = rng.choice(TEXTS[kind]).format(n=self.mention(ent, m, rng))
                when = datetime(int(month_name(m)[:4]), int(month_name(m)[5:]), rng.randint(1, 28), 12,
                                tzinfo=DEFAULT_TZ)
                sentiment = "negative" if kind in NEGATIVE or rng.random() < 0.2 else "neutral"
                street = ent.street if rng.random() < 0.5 else None
                self.posts.append(SimpleNamespace(
                    doc=SimpleNamespace(id=f"{ent.id}-{m}-{n}", title="", text=text, place=None, published_at=when,
                                        source_type="hotline" if rng.random() < 0.2 else "social"),
                    analysis=SimpleNamespace(location=SimpleNamespace(street=street),
                                             sentiment=SimpleNamespace(label=sentiment)),
                    truth=ent.id))

    def registered(self) -> list[Enterprise]:
        """The enterprise records as a street's exports leave them (renamed ones carry both names)."""
        out = []
        for ent in self.enterprises:
            if ent.renamed_at is not None:
                out.append(ent.model_copy(update={"name": ent.new_name, "names": [ent.new_name, ent.old_name]}))
            else:
                out.append(ent)
        return out


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# --- linking, scoring, evaluation -----------------------------------------------------------------

def link_all(world: World, ents: list[Enterprise]) -> tuple[dict[str, list], dict[str, float]]:
    linker = Linker(ents)
    links, right, wrong, posts = defaultdict(list), 0, 0, 0
    for post in world.posts:
        posts += 1
        for link in links_for(linker, post.doc, post.analysis):
            links[link.enterprise].append(link)
            right += link.enterprise == post.truth
            wrong += link.enterprise != post.truth
    linked = right + wrong
    return links, {"posts": posts, "links": linked, "link_precision": right / linked if linked else 0.0,
                   "link_recall": right / posts if posts else 0.0}


METHODS = {"combined": ("indicators", "opinion", "calendar"), "indicators_only": ("indicators",),
           "opinion_only": ("opinion",)}


def all_scores(world: World, ents, links, calendar) -> dict[str, dict[tuple[str, str, int], float]]:
    """score[method][(enterprise, risk, month index)] for months 7 … 24."""
    from enterprise.scoring import festival_windows

    from enterprise.scoring import peer_factors

    out = {m: {} for m in METHODS}
    windows = {}
    peers = peer_factors(world.series.values(), [month_name(m) for m in range(5, world.months)])
    zero = {r: 101 for r in RISKS}
    for ent in ents:
        series, ent_links = world.series[ent.id], links.get(ent.id, [])
        for m in range(6, world.months):
            month = month_name(m)
            key = (month, ent.street)
            if key not in windows:
                windows[key] = festival_windows(calendar, month, ent.street)
            for method, sources in METHODS.items():
                for s in score_enterprise(ent, series, ent_links, month, thresholds=zero, windows=windows[key],
                                          sources=sources, peers=peers):
                    out[method][(ent.id, s.risk, m)] = s.score
    return out


def evaluate(world: World, scores: dict, risk: str, threshold: float) -> dict[str, float]:
    warned = defaultdict(list)
    for (eid, r, m), score in scores.items():
        if r == risk and score >= threshold:
            warned[eid].append(m)
    events = [(eid, E) for eid, r, E, _ in world.events if r == risk]
    by_ent = defaultdict(list)
    for eid, E in events:
        by_ent[eid].append(E)
    others = defaultdict(list)
    for eid, r, E, _ in world.events:
        if r != risk:
            others[eid].append(E)
    episodes = right = other = 0
    for eid, months in warned.items():
        months.sort()
        runs, start, last = [], None, None
        for m in months:
            if start is None or m != last + 1:
                if start is not None:
                    runs.append((start, last))
                start = m
            last = m
        runs.append((start, last))
        for a, b in runs:
            if any(a <= E + 2 and b >= E - 3 for E in by_ent.get(eid, ())):
                episodes += 1
                right += 1
            elif any(a <= E + 2 and b >= E - 3 for E in others.get(eid, ())):
                other += 1  # around an event of another risk (a relocation's unpaid wages): left out
            else:
                episodes += 1
    leads = []
    for eid, E in events:
        ahead = [m for m in warned.get(eid, ()) if E - 3 <= m <= E - 1]
        if ahead:
            leads.append(E - min(ahead))
    precision = right / episodes if episodes else 0.0
    recall = len(leads) / len(events) if events else 0.0
    return {"threshold": threshold, "precision": round(precision, 3), "recall": round(recall, 3),
            "median_lead_months": statistics.median(leads) if leads else None, "events": len(events),
            "warned_ahead": len(leads), "episodes": episodes, "false_episodes": episodes - right, "other_risk_episodes": other}


#: the precision asked of a threshold on the tuning seed: above the goal's 0.80, a margin for the
#: variation from one seed (one street) to another
TUNE_PRECISION = 0.85


def tune(world, scores) -> dict[str, dict[str, float]]:
    chosen = {}
    for method, by in scores.items():
        chosen[method] = {}
        for risk in RISKS:
            best, best_f1 = None, None
            for step in range(8, 100):
                t = float(step)
                r = evaluate(world, by, risk, t)
                if r["precision"] >= TUNE_PRECISION and (best is None or r["recall"] > best["recall"]):
                    best = r
                f1 = 2 * r["precision"] * r["recall"] / (r["precision"] + r["recall"] or 1)
                if best_f1 is None or f1 > best_f1[0]:
                    best_f1 = (f1, r)
            chosen[method][risk] = (best or best_f1[1])["threshold"]
    return chosen


# --- timing -------------------------------------------------------------------------------------------

def timing(seed: int) -> dict[str, float]:
    """Import 100,000 rows (10,000 enterprises × 10 months) and score 10,000, as users run it."""
    rng = random.Random(seed)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = tmp / "indicators.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["统一社会信用代码", "企业名称", "所属街道", "月份", "参保人数", "社保缴费", "社保欠费", "用电量",
                             "用水量", "12345工单", "劳动监察案件"])
            for i in range(10_000):
                code = valid_code(rng)
                street = rng.choice(STREETS)
                head = rng.randint(10, 500)
                for m in range(10):
                    writer.writerow([code, f"深圳市测试{i:05d}电子有限公司", street, month_name(14 + m), head,
                                     head * 1100, 0, head * 450, head * 3, 0, 0])
        config = tmp / "config.yaml"
        config.write_text(f"store:\n  path: {tmp / 'bench.sqlite'}\n", encoding="utf-8")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        for label, args in (("import_100k_rows_s", ["indicators", "import", str(path), "--format", "json"]),
                            ("score_10k_enterprises_s", ["indicators", "score", "--month", month_name(23),
                                                         "--format", "json"])):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(config), *args],
                                  capture_output=True, text=True, cwd=ROOT, env=env)
            out[label] = round(time.perf_counter() - start, 1)
            if done.returncode != 0:
                raise SystemExit(f"{label}: exit {done.returncode}: {done.stderr[-2000:]}")
            if label.startswith("import"):
                out["import_summary"] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=None, help="simulator seed (default 2027; --tune: 11)")
    parser.add_argument("--enterprises", type=int, default=3000)
    parser.add_argument("--tune", action="store_true", help="choose thresholds on this seed and print them")
    parser.add_argument("--timing", action="store_true", help="also time importing 100,000 rows and scoring 10,000")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else (11 if args.tune else 2027)
    from event_calendar import Calendar
    from event_calendar.loaders import DEFAULT_FILE, load_entries
    from yuqing.config import load_config

    calendar = Calendar(load_entries(DEFAULT_FILE))
    start = time.perf_counter()
    world = World(seed, args.enterprises)
    ents = world.registered()
    links, link_stats = link_all(world, ents)
    scores = all_scores(world, ents, links, calendar)
    took = time.perf_counter() - start
    print(f"SIMULATED FIGURES (bench/bench_enterprise.py, seed {seed}, {args.enterprises} enterprises × "
          f"{world.months} months; no real enterprise data): {len(world.events)} planted events, "
          f"{len(world.holidays)} planned holidays, {len(world.posts)} posts; simulation+scoring {took:.0f} s")
    print("linking: " + json.dumps({k: round(v, 3) for k, v in link_stats.items()}, ensure_ascii=False))
    if args.tune:
        chosen = tune(world, scores)
        print("thresholds chosen on this seed: " + json.dumps(chosen, ensure_ascii=False))
        for method, by in chosen.items():
            for risk, t in by.items():
                print(f"  {method:16s} {risk:13s} " + json.dumps(evaluate(world, scores[method], risk, t)))
        return
    empty = Path(tempfile.mkdtemp()) / "config.yaml"
    empty.write_text("", encoding="utf-8")
    thresholds = {"combined": load_config(empty, environ={})["enterprise.thresholds"], **TUNED}
    print("method           risk          " + "threshold precision recall median_lead events warned_ahead "
          "episodes false_episodes other_risk_episodes")
    for method in METHODS:
        for risk in RISKS:
            r = evaluate(world, scores[method], risk, thresholds[method][risk])
            print(f"{method:16s} {risk:13s} {r['threshold']:9.0f} {r['precision']:9.3f} {r['recall']:6.3f} "
                  f"{r['median_lead_months'] if r['median_lead_months'] is not None else '-':>11} {r['events']:6d} "
                  f"{r['warned_ahead']:12d} {r['episodes']:8d} {r['false_episodes']:14d} {r['other_risk_episodes']:19d}")
    if args.timing:
        print("timing (simulated rows, SQLite, as users run the commands): " + json.dumps(timing(seed), ensure_ascii=False))


#: thresholds of the single-source baselines, chosen with --tune on seed 11 like the combined ones
#: (which are the defaults of ``enterprise.thresholds``)
TUNED = {"indicators_only": {"wage_arrears": 27, "shutdown": 48, "relocation": 17},
         "opinion_only": {"wage_arrears": 13, "shutdown": 25, "relocation": 16}}


if __name__ == "__main__":
    main()
