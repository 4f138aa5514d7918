"""Learned peaks: planted seasonal patterns are found with their evidence; noise gives no peaks."""
import random
from datetime import date, datetime, time, timedelta

import pytest

from event_calendar import Calendar
from event_calendar.calendar import accepted_entries
from event_calendar.lunar import spring_festival
from event_calendar.peaks import Event, binomial_sf, decide, find_peaks, learn
from yuqing.errors import NotFound
from yuqing.records import DEFAULT_TZ, Incident

FIRST, LAST = date(2021, 1, 1), date(2025, 12, 31)
STREETS = ["观澜街道", "民治街道", "龙华街道", "大浪街道"]
CATEGORIES = ["labor_dispute", "environment", "traffic", "property_management"]


def noise(rng, low=15, high=60):
    """Events spread uniformly over five years in every category and street."""
    span = (LAST - FIRST).days + 1
    return [Event(FIRST + timedelta(days=rng.randrange(span)), c, s)
            for s in STREETS for c in CATEGORIES for _ in range(rng.randint(low, high))]


def plant_wage_peak(rng, years=(2023, 2024, 2025), per_year=8):
    return [Event(spring_festival(y) - timedelta(days=rng.randint(1, 28)), "labor_dispute", "观澜街道")
            for y in years for _ in range(per_year)]


def test_binomial_tail_matches_exact_values():
    assert binomial_sf(0, 10, 0.3) == 1.0
    assert binomial_sf(10, 10, 0.5) == pytest.approx(0.5 ** 10)
    assert binomial_sf(2, 3, 0.5) == pytest.approx(0.5)
    assert binomial_sf(1, 1000, 1e-3) == pytest.approx(1 - (1 - 1e-3) ** 1000)


@pytest.mark.parametrize("seed", range(8))
def test_noise_gives_no_peaks(seed):
    assert find_peaks(noise(random.Random(seed)), FIRST, LAST) == []


def test_sparse_noise_gives_no_peaks():
    rng = random.Random(99)
    assert find_peaks(noise(rng, 2, 8), FIRST, LAST) == []


def test_planted_pre_spring_festival_peak_is_found_with_evidence():
    rng = random.Random(7)
    peaks = find_peaks(noise(rng) + plant_wage_peak(rng), FIRST, LAST)
    assert peaks, "the planted peak was missed"
    top = peaks[0]
    assert (top.category, top.street, top.period.key) == ("labor_dispute", "观澜街道", "pre_spring_festival")
    assert top.peak_years == [2023, 2024, 2025]
    assert "labor_dispute in 观澜街道: 3 of the last 5 years peaked in the 4 weeks before 春节" in top.evidence
    # Only the planted group is reported: no other street or category borrows the peak.
    assert {(p.category, p.street) for p in peaks} <= {("labor_dispute", "观澜街道"), ("labor_dispute", None)}


def test_a_peak_in_only_two_years_is_not_enough():
    rng = random.Random(3)
    events = noise(rng) + plant_wage_peak(rng, years=(2024, 2025), per_year=12)
    assert not [p for p in find_peaks(events, FIRST, LAST) if p.period.key == "pre_spring_festival"]


def test_planted_holiday_peak():
    rng = random.Random(11)
    events = noise(rng)
    for year in range(2021, 2026):
        for _ in range(6):
            events.append(Event(date(year, 10, rng.randint(1, 7)), "traffic", "民治街道"))
    keys = {(p.street, p.period.key) for p in find_peaks(events, FIRST, LAST)}
    assert ("民治街道", "holiday:national_day") in keys


def test_planted_typhoon_season_peak():
    rng = random.Random(13)
    events = noise(rng)
    for year in range(2022, 2026):
        for _ in range(10):
            events.append(Event(date(year, 7, 1) + timedelta(days=rng.randrange(92)), "natural_disaster", "民治街道"))
    keys = {(p.street, p.period.key) for p in find_peaks(events, FIRST, LAST)}
    assert ("民治街道", "season:台风季") in keys


def _incident(i, day, category, street):
    seen = datetime.combine(day, time(10), DEFAULT_TZ)
    return Incident(id=f"inc-{i}", label=f"{street} {category}", category=category, streets=[street],
                    first_seen=seen, last_seen=seen, size=5)


def test_learn_from_the_store_proposes_then_accepts(store):
    rng = random.Random(5)
    events = noise(rng, 10, 30) + plant_wage_peak(rng)
    store.put_records("incidents", [_incident(i, e.day, e.category, e.street) for i, e in enumerate(events)])
    store.flush()
    records = learn(store, date(2026, 1, 1))
    store.flush()
    wage = [r for r in records if r.street == "观澜街道" and r.period == "pre_spring_festival"]
    assert wage and wage[0].status == "proposed" and "3 of the last 5 years" in wage[0].evidence
    assert store.count_records("calendar_proposals", {"status": "proposed"}) == len(records)
    assert accepted_entries(store) == []

    decide(store, wage[0].id, "accepted", "analyst-li")
    store.flush()
    [entry] = accepted_entries(store)
    assert entry.kind == "lunar" and entry.streets == ["观澜街道"] and entry.before == 28
    calendar = Calendar([entry])
    assert calendar.sensitivity(date(2027, 1, 25), "labor_dispute", "观澜街道") == 1.5
    assert calendar.sensitivity(date(2027, 1, 25), "labor_dispute", "民治街道") == 1.0

    # Learning again keeps the analyst's decision.
    again = {r.id: r for r in learn(store, date(2026, 1, 1))}
    assert again[wage[0].id].status == "accepted"
    with pytest.raises(NotFound):
        decide(store, "no-such-proposal", "rejected", "x")


def test_learn_from_noise_in_the_store_proposes_nothing(store):
    events = noise(random.Random(21), 10, 30)
    store.put_records("incidents", [_incident(i, e.day, e.category, e.street) for i, e in enumerate(events)])
    store.flush()
    assert learn(store, date(2026, 1, 1)) == []
    assert store.count_records("calendar_proposals") == 0


def test_learn_from_document_days(store):
    """With documents as a source, each day with documents of a category and street is one event."""
    from yuqing.records import Analysis, Document

    rng = random.Random(8)
    docs, analyses = [], []

    def add(day, category, street):
        doc_id = f"d{len(docs)}"
        docs.append(Document(id=doc_id, text=f"{street} {category}", published_at=datetime.combine(day, time(9), DEFAULT_TZ)))
        analyses.append(Analysis(id=doc_id, sentiment={"label": "negative", "score": 0.8},
                                 categories=[{"label": category, "score": 0.9}],
                                 location={"district": "龙华区", "street": street, "confidence": 0.9}))
    span = (LAST - FIRST).days + 1
    for street in ("观澜街道", "民治街道"):
        for _ in range(60):
            add(FIRST + timedelta(days=rng.randrange(span)), "labor_dispute", street)
    for year in (2023, 2024, 2025):
        for offset in rng.sample(range(1, 29), 9):
            add(spring_festival(year) - timedelta(days=offset), "labor_dispute", "观澜街道")
    store.put_documents(docs)
    store.put_analyses(analyses)
    store.flush()
    assert learn(store, date(2026, 1, 1)) == []  # documents are not counted unless asked
    records = learn(store, date(2026, 1, 1), sources=("documents",))
    assert [(r.street, r.period) for r in records if r.street == "观澜街道"][0] == ("观澜街道", "pre_spring_festival")
    assert not [r for r in records if r.street == "民治街道"]
