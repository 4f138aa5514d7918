"""The 稳评 pages over the real app (in-process ASGI client): the project card's form and its errors,
the assessment page and the report downloads, the watch, and the project-owner role — an owner sees
their own projects, is refused the queue and every other page, and never another owner's project."""
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "assessment"))
from assess_helpers import card_data, put  # noqa: E402

from yuqing import records as R  # noqa: E402
from yuqing.config import load_config  # noqa: E402
from yuqing.app.web.app import create_app  # noqa: E402

USERS = ("web.users={ana: {role: analyst, token: t-ana}, vic: {role: viewer, token: t-vic}, "
         "own: {role: owner, token: t-own, projects: [langkou-market]}, "
         "own2: {role: owner, token: t-own2, projects: [guanlan-school]}, "
         "mz: {role: analyst, token: t-mz, streets: [民治街道]}}")
ANA, VIC, OWN, OWN2, MZ = ({"Authorization": f"Bearer t-{n}"} for n in ("ana", "vic", "own", "own2", "mz"))
PHONE, MASKED = "13812345678", "138****5678"
MARKET = "大浪街道浪口农贸市场拆除重建项目"
SCHOOL = "观澜街道学位调整项目"
SIX = ("政策法律与审批程序", "征迁补偿与利益分配", "社会稳定与群体性事件", "安全与公共卫生", "生态环境与邻避", "舆情传播")
WHEN = datetime(2026, 9, 1, 10, 0, tzinfo=R.DEFAULT_TZ)


def posts():
    pairs = []
    for i in range(12):
        sentiment = "neutral" if i < 6 else "positive"
        doc = R.Document(id=f"m-{i}", text=f"浪口农贸市场拆除，商户{'观望' if i < 6 else '支持'}{i}", source="weibo",
                         published_at=WHEN + timedelta(days=3 * i), url=f"https://weibo.example/{i}")
        pairs.append((doc, R.Analysis(id=doc.id, sentiment={"label": sentiment, "score": 0.9},
                                      location={"street": "大浪街道", "district": "龙华区"})))
    return pairs


def seed(store, config):
    from assessment import parse_card
    from assessment.projects import assess_project

    put(store, posts())
    store.put_records("alerts", [R.Alert(id="a-market", rule="keyword", severity="orange", title="浪口农贸市场商户聚集",
                                         summary=f"商户聚集讨论补偿，联系电话{PHONE}", doc_ids=["m-2"], street="大浪街道",
                                         created_at=WHEN + timedelta(days=7))])
    assess_project(store, config, parse_card(card_data(id="langkou-market")), by="ana")
    school = card_data(id="guanlan-school", name=SCHOOL, type="学区调整", summary="调整学区划片。",
                       location={"city": "深圳市", "district": "龙华区", "street": "观澜街道"}, keywords=["学位"])
    assess_project(store, config, parse_card(school), by="ana")
    from assessment.watch import WatchStage
    assert WatchStage(config, store).run_once().processed == 2  # the service's cycle, once
    store.flush()


def app_for(store):
    config = load_config(None, [USERS, "cases.search_mode=lexical"])
    seed(store, config)
    return TestClient(create_app(config, store))


@pytest.fixture
def client(sqlite_store):
    return app_for(sqlite_store)


GOOD_FORM = {"name": "民治街道白石龙老旧小区加装电梯项目", "summary": "老旧小区加装电梯，方便老人上下楼。", "type": "加装电梯",
             "city": "深圳市", "district": "龙华区", "street": "民治街道", "households": "48",
             "stakeholders": "居民、业主", "timeline": "方案公示 2027-03-01\n施工 2027-05-01 2027-08-31",
             "procedures": "规划许可：是\n听证会：否", "keywords": "加装电梯、电梯", "id": "baishilong-lift",
             "owner_users": "own2"}


def test_form_errors_name_the_field_and_nothing_is_saved(client, sqlite_store):
    before = sqlite_store.count_records("projects")
    bad = client.post("/projects/new", headers=ANA, data={
        "name": "某项目", "timeline": "清场 2027-13-01\n开工", "merchants": "很多", "procedures": "听证会：也许"})
    assert bad.status_code == 400
    text = bad.text.replace("&#39;", "'")
    for field in ("field 'summary': required", "field 'timeline.0.date'", "field 'timeline.1.date': required",
                  "field 'scale.merchants'", "field 'procedures.听证会'"):
        assert field in text, field
    assert text.count("has-error") >= 4 and 'value="很多"' in bad.text  # marked, and what was typed is kept
    typo = client.post("/projects/new", headers=ANA, data={"card_yaml": "name: 某项目\nsummary: 说明\nprocedure: {听证会: false}\n"})
    assert typo.status_code == 400 and "did you mean 'procedures'" in typo.text.replace("&#39;", "'")
    broken = client.post("/projects/new", headers=ANA, data={"card_yaml": "name: [某项目\n"})
    assert broken.status_code == 400 and "not valid YAML" in broken.text and "上传的项目卡" in broken.text
    assert sqlite_store.count_records("projects") == before


def test_the_form_creates_assesses_and_watches_a_project(client, sqlite_store):
    done = client.post("/projects/new", headers=ANA, data=GOOD_FORM, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/projects/baishilong-lift")
    page = client.get("/projects/baishilong-lift", headers=ANA).text
    for label in SIX + ("一、项目概况", "九、风险防范化解预案", "十、舆情监测方案", "听证会"):
        assert label in page, label
    project = sqlite_store.get_record("projects", "baishilong-lift")
    assert project.watch is True and project.owner_users == ["own2"] and project.level in ("low", "medium", "high")
    assert project.scale["households"] == 48 and project.location["street"] == "民治街道"  # the contract's fields
    record = sqlite_store.get_record("assessments", project.assessment_id)
    assert record.project_id == "baishilong-lift" and [c["id"] for c in record.categories][0] == "policy_legal"
    assert "baishilong-lift" in client.get("/projects", headers=OWN2).text  # routed to the owner named in the form
    again = client.post("/projects/baishilong-lift/assess", headers=ANA, follow_redirects=False)
    assert again.status_code == 303
    assert sqlite_store.count_records("assessments", {"project_id": "baishilong-lift"}) >= 1
    assert "按今天的证据重新评估" in client.get("/projects/baishilong-lift", headers=ANA).text


OUTSIDE = ["/alerts", "/api/alerts", "/alerts/a-market", "/search?q=农贸市场", "/api/search?q=农贸市场", "/incidents",
           "/stats", "/rescue", "/cases", "/calendar", "/sources", "/api/stats", "/admin/audit", "/nothing-here"]


def test_an_owner_sees_their_projects_and_nothing_else(client, sqlite_store):
    home = client.get("/", headers=OWN, follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/projects"
    listing = client.get("/projects", headers=OWN).text
    assert MARKET in listing and SCHOOL not in listing and "项目负责人 own" in listing
    for path in OUTSIDE:
        refused = client.get(path, headers=OWN)
        assert refused.status_code == 403, path
        assert PHONE not in refused.text and MASKED not in refused.text and "浪口" not in refused.text, path
    for path in ("/projects/guanlan-school", "/projects/guanlan-school/watch", "/projects/guanlan-school/report.pdf",
                 "/projects/guanlan-school/report.html"):
        assert client.get(path, headers=OWN).status_code == 404, path  # as if it did not exist
    assert client.post("/projects/guanlan-school/assess", headers=OWN).status_code == 404
    assert client.post("/alerts/a-market/ack", headers=OWN, data={"note": "x"}).status_code == 403
    assert sqlite_store.get_record("alerts", "a-market").state == "new"
    # their own: the assessment, the watch with the alert routed to them, personal data masked
    assert all(label in client.get("/projects/langkou-market", headers=OWN).text for label in SIX)
    assert client.post("/projects/langkou-market/watch/refresh", headers=OWN, follow_redirects=False).status_code == 303
    watch = client.get("/projects/langkou-market/watch", headers=OWN).text
    assert "浪口农贸市场商户聚集" in watch and MASKED in watch and PHONE not in watch
    assert 'href="/alerts/' not in watch and '（<a href="/calendar">' not in watch  # no links to pages they cannot open
    assert PHONE in client.get("/projects/langkou-market/watch", headers=ANA).text  # an analyst sees it in full
    # an owner creates projects for themselves, never over another's
    mine = client.post("/projects/new", headers=OWN, data={**GOOD_FORM, "id": "own-lift", "owner_users": "ana"},
                       follow_redirects=False)
    assert mine.status_code == 303 and sqlite_store.get_record("projects", "own-lift").owner_users == ["own"]
    taken = client.post("/projects/new", headers=OWN, data={**GOOD_FORM, "id": "guanlan-school"})
    assert taken.status_code == 409 and sqlite_store.get_record("projects", "guanlan-school").name == SCHOOL
    assert SCHOOL not in taken.text


def test_viewers_read_street_analysts_see_their_streets(client):
    assert MARKET in client.get("/projects", headers=VIC).text
    assert client.post("/projects/langkou-market/assess", headers=VIC).status_code == 403
    assert client.post("/projects/new", headers=VIC, data=GOOD_FORM).status_code == 403
    assert MASKED in client.get("/projects/langkou-market/watch", headers=VIC).text
    listing = client.get("/projects", headers=MZ).text
    assert MARKET not in listing and SCHOOL not in listing
    assert client.get("/projects/langkou-market", headers=MZ).status_code == 404


def test_the_report_downloads_as_html_and_as_a_pdf_holding_the_chinese(client, tmp_path):
    html = client.get("/projects/langkou-market/report.html", headers=OWN)
    assert html.status_code == 200 and "attachment" in html.headers["content-disposition"]
    assert "社会稳定风险评估报告" in html.text and "一、项目概况" in html.text
    pdf = client.get("/projects/langkou-market/report.pdf", headers=OWN)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''" in pdf.headers["content-disposition"]
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())
    for phrase in ("社会稳定风险评估报告", "浪口农贸市场", "征迁补偿与利益分配", "风险防范化解预案"):
        assert phrase in text, phrase
    assert client.get("/projects/langkou-market/report.doc", headers=OWN).status_code == 404


def test_the_pages_need_no_inline_style_or_script(client):
    for path in ("/projects", "/projects/new", "/projects/langkou-market", "/projects/langkou-market/watch"):
        body = client.get(path, headers=ANA).text
        assert "<style" not in body and "style=" not in body, path
        for tag in re.findall(r"<script[^>]*>", body):
            assert re.fullmatch(r'<script src="/static/[\w/.-]+\.js">', tag) or 'type="application/json"' in tag, tag


def test_users_config_checks_the_owner_role():
    from yuqing.users import check_users

    assert check_users({"o": {"role": "owner", "projects": ["a-1"]}}) is None
    assert "not streets" in check_users({"o": {"role": "owner", "projects": ["a"], "streets": ["民治街道"]}})
    assert "project ids" in check_users({"o": {"role": "owner", "projects": "a"}})


def test_the_pages_on_elasticsearch(es_store):
    client = app_for(es_store)
    done = client.post("/projects/new", headers=ANA, data=GOOD_FORM, follow_redirects=False)
    assert done.status_code == 303
    es_store.flush()
    assert "民治街道白石龙老旧小区加装电梯项目" in client.get("/projects", headers=ANA).text
    assert all(label in client.get("/projects/baishilong-lift", headers=OWN2).text for label in SIX)
    assert client.post("/projects/langkou-market/watch/refresh", headers=OWN, follow_redirects=False).status_code == 303
    es_store.flush()
    watch = client.get("/projects/langkou-market/watch", headers=OWN).text
    assert "stance-data" in watch and "浪口农贸市场商户聚集" in watch and MASKED in watch
    assert client.get("/projects/baishilong-lift", headers=OWN).status_code == 404
    listing = client.get("/projects", headers=OWN).text  # by the id in the owner's entry, in the store query
    assert MARKET in listing and SCHOOL not in listing and "baishilong-lift" not in listing
    assert "baishilong-lift" in client.get("/projects", headers=OWN2).text  # by owner_users
