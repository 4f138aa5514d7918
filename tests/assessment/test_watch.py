"""The watch (项目监测): an assessed project monitored by the service's ``watch`` step — the planted
hesitation → support shift shows per group, new evidence is counted per category, milestones become
calendar windows, alerts about the project reach its owner, and a publicity action with too few
posts says so instead of guessing. The CLI path (``yuqing assess --watch``) as users run it."""
import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
import yaml

from assess_helpers import card_data, put
from assessment import parse_card
from assessment.projects import add_action, assess_project, get_project
from assessment.routing import routed_alerts
from assessment.watch import watch_project
from yuqing import records as R
from yuqing.config import load_config

PID = "langkou-market"
MARKET = "浪口农贸市场"
START = datetime(2026, 9, 1, 10, 0, tzinfo=R.DEFAULT_TZ)
BRIEFING = date(2026, 9, 29)  # 说明会: the day the merchants' hesitation turned into support
OWNER_USERS = "web.users={own: {role: owner, token: t-own, projects: [langkou-market]}, ana: {role: analyst, token: t-ana}}"


@pytest.fixture
def config(tmp_path):
    return load_config(None, ["cases.search_mode=lexical", f"store.path={tmp_path / 'cfg.sqlite'}", OWNER_USERS])


def day_post(n, day, text, sentiment, *, street="大浪街道", reposts=1):
    when = START + timedelta(days=day, hours=n % 8)
    doc = R.Document(id=f"w-{n:04d}", text=text, published_at=when, source="weibo", source_type="social",
                     url=f"https://weibo.example/{n}", collected_at=when, metrics={"reposts": reposts, "likes": 2})
    analysis = R.Analysis(id=doc.id, sentiment={"label": sentiment, "score": 0.9},
                          categories=[{"label": "land_demolition", "score": 0.8}],
                          location={"district": "龙华区", "street": street, "confidence": 0.9})
    return doc, analysis


def shift(first=0):
    """Eight weeks of posts: four of merchants hesitating (观望, some 反对), then, from the 说明会 on,
    four of merchants supporting; residents support throughout; plus posts about another market."""
    pairs, n = [], first
    for day in range(56):
        n += 1
        if day < 28:
            text, sentiment = f"{MARKET}要拆除，商户们还在观望，补偿方案没看懂{n}", "neutral" if day % 3 else "negative"
        else:
            text, sentiment = f"听了说明会，{MARKET}拆除重建商户都支持，临时市场安排好了{n}", "positive"
        pairs.append(day_post(n, day, text, sentiment))
        if day % 4 == 0:
            n += 1
            pairs.append(day_post(n, day, f"{MARKET}拆除以后居民买菜去临时市场，支持{n}", "positive"))
        if day % 5 == 0:  # another street's market: never evidence, never on the chart
            n += 1
            pairs.append(day_post(n, day, f"观澜农贸市场拆除，商户反对{n}", "negative", street="观澜街道"))
    return pairs


def card(**changes):
    data = card_data(**{"id": PID, "timeline": [{"milestone": "清场", "date": "2027-02-01"}], **changes})
    return parse_card(data)


def test_a_planted_shift_from_hesitation_to_support_shows_on_the_watch(store, config):
    put(store, shift())
    project, assessment = assess_project(store, config, card(), by="test", now=START + timedelta(days=56))
    add_action(store, PID, day=BRIEFING.isoformat(), kind="briefing", title="街道办召开商户说明会", by="ana")
    reading = watch_project(store, config, get_project(store, PID), now=START + timedelta(days=60))

    merchants = reading.over_time["groups"]["商户"]
    assert reading.over_time["by"] == "week" and len(reading.over_time["periods"]) >= 8
    assert merchants["support_share"][:4] == [0, 0, 0, 0]  # hesitation: 观望 and 反对, no support
    assert all(n > 0 for n in merchants["neutral"][:4]) and merchants["support_share"][-3:] == [100, 100, 100]
    assert all(s is None or s == 100 for s in reading.over_time["groups"]["居民"]["support_share"])
    assert "观澜" not in json.dumps(reading.model_dump(), ensure_ascii=False)  # only this place's posts

    briefing = next(a for a in reading.actions if a["title"] == "街道办召开商户说明会")
    effect = briefing["effect"]
    assert effect["enough"] and effect["complete"]
    assert effect["before"]["support_share"] < 30 and effect["after"]["support_share"] == 100
    assert effect["change"]["support_points"] > 70 and effect["change"]["oppose_points"] < 0
    assert effect["before"]["engagement"] == effect["before"]["posts"] * 3  # reach measured: 1 repost + 2 likes each
    by_group = {g["group"]: g for g in effect["groups"]}
    assert by_group["商户"]["enough"] and by_group["商户"]["change"]["support_points"] == 100
    assert "支持占比 0% → 100%" in by_group["商户"]["verdict"]

    # what the service finds after the assessment is new evidence, by category
    later = [day_post(900 + k, 58, f"{MARKET}拆除工地夜间施工噪音扰民{k}", "negative") for k in range(4)]
    put(store, later)
    again = watch_project(store, config, get_project(store, PID), now=START + timedelta(days=61))
    assert again.new_total == 4 and again.evidence_total == reading.evidence_total + 4
    counts = {c["id"]: c for c in again.new_evidence}
    assert counts["ecology_environment"]["posts"] == 4 and counts["ecology_environment"]["negative"] == 4
    assert {q["doc_id"] for q in counts["ecology_environment"]["quotes"]} <= {d.id for d, _ in later}
    assert counts["public_opinion"]["posts"] == 4  # the category every post belongs to


def test_a_milestone_makes_a_calendar_window_that_moves_with_the_card(sqlite_store, config):
    from event_calendar import Calendar

    assess_project(sqlite_store, config, card(), by="test")
    watch_project(sqlite_store, config, get_project(sqlite_store, PID))
    windows = [w for w in Calendar.from_config(config, sqlite_store).windows(date(2027, 2, 1), date(2027, 2, 1))
               if w.kind == "milestone"]
    assert [(w.name, w.streets, w.start) for w in windows] == [
        ("大浪街道浪口农贸市场拆除重建项目：清场", ("大浪街道",), date(2027, 2, 1))]
    assert "land_demolition" in windows[0].categories and windows[0].warn_from == date(2027, 1, 18)
    # the alerts stage's question: what is open on that day for a demolition post in 大浪街道
    assert any(w["name"].endswith("清场") for w in Calendar.from_config(config, sqlite_store).active(
        date(2027, 2, 1), "land_demolition", "大浪街道"))

    assess_project(sqlite_store, config, card(timeline=[{"milestone": "清场", "date": "2027-03-15"}]), by="test")
    watch_project(sqlite_store, config, get_project(sqlite_store, PID))
    calendar = Calendar.from_config(config, sqlite_store)
    assert not [w for w in calendar.windows(date(2027, 2, 1), date(2027, 2, 1)) if w.kind == "milestone"]
    assert [w.start for w in calendar.windows(date(2027, 3, 15), date(2027, 3, 15)) if w.kind == "milestone"] == [
        date(2027, 3, 15)]


def test_an_alert_about_the_project_reaches_the_owner_in_the_service_cycle(sqlite_store, config):
    from yuqing.app.scheduler import Service

    put(sqlite_store, shift())
    assess_project(sqlite_store, config, card(), by="test")
    sqlite_store.put_records("alerts", [
        R.Alert(id="a-market", rule="sentiment_shift", severity="orange", title="浪口社区负面情绪上升",
                summary="商户聚集讨论补偿，联系电话13812345678", doc_ids=["w-0001", "w-0004"], street="大浪街道",
                category="land_demolition", created_at=START + timedelta(days=3)),
        R.Alert(id="a-words", rule="keyword", severity="yellow", title=f"{MARKET}拆除有商户拉横幅",
                street="大浪街道", created_at=START + timedelta(days=4)),
        R.Alert(id="a-other", rule="keyword", severity="orange", title="观澜农贸市场商户反对拆除",
                doc_ids=["w-0003"], street="观澜街道", created_at=START + timedelta(days=5)),
        R.Alert(id="a-storm", rule="keyword", severity="red", title="大浪街道暴雨积水", street="大浪街道",
                created_at=START + timedelta(days=6))])
    service = Service(config, sqlite_store, crawl=False)
    assert "stage:watch" in service.discover()  # registered the way stages register
    report = service.run_job("stage:watch")
    assert report.errors == 0 and report.processed == 1 and report.created == 2, report.detail

    market = sqlite_store.get_record("alerts", "a-market")
    assert market.projects == [PID] and market.project_owners == ["own"]
    assert market.state == "new" and market.assignee is None  # the analysts' workflow is left alone
    assert "已转项目负责人 own" in market.history[-1].note and market.history[-1].who == "稳评监测"
    assert sqlite_store.get_record("alerts", "a-words").projects == [PID]  # names the place and a project word
    for other in ("a-other", "a-storm"):
        assert getattr(sqlite_store.get_record("alerts", other), "projects", None) is None
    assert [a.id for a in routed_alerts(sqlite_store, PID)] == ["a-words", "a-market"]

    again = service.run_job("stage:watch")  # the next cycle routes nothing twice
    assert again.created == 0 and len(sqlite_store.get_record("alerts", "a-market").history) == 1


def test_a_publicity_action_with_too_few_posts_says_so(sqlite_store, config):
    put(sqlite_store, [day_post(1, 20, f"{MARKET}拆除，商户观望", "neutral"),
                       day_post(2, 21, f"{MARKET}拆除，商户观望", "neutral"),
                       day_post(3, 23, f"{MARKET}拆除，商户支持", "positive")])
    assess_project(sqlite_store, config, card(), by="test")
    add_action(sqlite_store, PID, day=(START + timedelta(days=22)).date().isoformat(), kind="statement",
               title="街道办发布补偿方案通报", by="ana")
    reading = watch_project(sqlite_store, config, get_project(sqlite_store, PID), now=START + timedelta(days=40))
    effect = next(a for a in reading.actions if a["kind"] == "statement")["effect"]
    assert effect["enough"] is False and "change" not in effect and effect["groups"] == []
    assert "帖子不足" in effect["verdict"] and "not enough posts" in effect["verdict"]
    assert "前 7 天 2 条、后 7 天 1 条" in effect["verdict"] and "至少需要 5 条" in effect["verdict"]
    assert effect["before"]["posts"] == 2 and effect["after"]["posts"] == 1  # the counts are still shown


def yuqing(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "yuqing", *args, "-s", f"store.path={tmp_path / 'cli.sqlite'}",
                           "-s", "cases.search_mode=lexical"], capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHONUNBUFFERED="1"))


def test_assess_watch_on_the_command_line_keeps_the_project_and_its_windows(tmp_path):
    path = tmp_path / "market.yaml"
    path.write_text(yaml.safe_dump(card_data(id=PID, timeline=[{"milestone": "清场", "date": "2027-02-01"}]),
                                   allow_unicode=True), encoding="utf-8")
    done = yuqing(tmp_path, "assess", "--project", str(path), "--watch", "--owner", "own", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["project"] == "大浪街道浪口农贸市场拆除重建项目"  # the contract's object, as before
    assert f"项目 {PID} 已开始监测" in done.stderr and "1 个节点写入风险日历" in done.stderr and "（own）" in done.stderr
    upcoming = yuqing(tmp_path, "calendar", "upcoming", "--today", "2027-01-25", "--days", "10", "--format", "json")
    assert upcoming.returncode == 0, upcoming.stderr
    names = [json.loads(line)["name"] for line in upcoming.stdout.splitlines() if line.strip()]
    assert "大浪街道浪口农贸市场拆除重建项目：清场" in names
    misuse = yuqing(tmp_path, "assess", "--project", str(path), "--owner", "own")
    assert misuse.returncode == 2 and "--watch" in misuse.stderr
