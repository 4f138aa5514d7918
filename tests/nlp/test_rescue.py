"""Rescue slots, urgency and the rule-based request score on hand-written posts."""
from datetime import datetime, timedelta

import pytest

from nlp.rescue import extract_rescue, recency, urgency
from yuqing.records import DEFAULT_TZ

REQUEST = ("#深圳暴雨# 救命！！龙华区民治街道白石龙社区锦绣花园3栋2楼，一家五口被困，"
           "奶奶80岁有心脏病，宝宝才4个月，水到胸口了，电话138 0013 8000，求转发！")


def test_slots_of_a_full_request():
    slots = extract_rescue(REQUEST)
    assert slots.phones == ["13800138000"]
    assert slots.address == "龙华区民治街道白石龙社区锦绣花园3栋2楼"
    assert (slots.district, slots.street) == ("龙华区", "民治街道")
    assert slots.people_count == 5
    assert set(slots.vulnerable) == {"elderly", "infant", "patient"}
    assert "evacuation" in slots.needs
    assert "水到胸口" in slots.danger
    assert slots.urgency > 0.9 and slots.request_score > 0.9


@pytest.mark.parametrize("text", [
    REQUEST,
    "有没有人能帮帮我们，宝安区西乡街道固戍村，厂房进水出不来，十几个工人，电话13912345678",
    "急！我妈在观澜街道牛湖村独居，联系不上了，她要定期透析，谁能帮忙去看看 15012345678",
    "求救 坂田街道 五和 岗头新村12栋 一楼全淹了 老人2个 孩子1个 手机快没电了 幺三七 幺二三四 五六七八",
    "我們被困在龍崗區布吉街道大芬村，水一直在漲，有孕婦，電話13600001111，救救我們",
    "求扩散//@热心市民:救命！南山区沙河街道白石洲，我们4个人被困楼顶，13500002222",
    "来电人称其家住罗湖区东门街道湖贝村，家中老人卧床不能动，房子进水，请求转移。回拨0755-25001234",
])
def test_requests_score_high(text):
    assert extract_rescue(text).request_score >= 0.5


@pytest.mark.parametrize("kind, text", [
    ("completed", "【已获救】龙华区民治街道被困的一家五口已于今晚被消防救出，目前已安全，感谢大家转发。"),
    ("safe", "更新：我家人已经安全了，谢谢大家关心，不用再转了，13800138000不要再打了"),
    ("repost update", "已获救，谢谢大家//@小王:救命！民治街道锦绣花园3栋被困，电话13800138000"),
    ("offer", "龙华区爱心车队可提供免费转移服务，有需要的街坊请联系13800001234（陈师傅）"),
    ("ad", "专业抽水排涝，24小时上门服务，价格优惠，欢迎来电13800001234"),
    ("notice", "民治街道办事处温馨提示：暴雨红色预警期间，如遇险情请拨打110、119或街道值班电话0755-23456789。"),
    ("debunk", "【辟谣】网传“龙华区某小区有十几人被困无人救援”系不实信息，经核实该处已无人员被困。"),
    ("news", "记者从龙岗区了解到，截至今晨6时，消防员在布吉街道共救出被困群众23人，无人员伤亡。"),
    ("thanks", "感谢民治街道的网格员和消防员，昨晚冒雨把老人背了出来，辛苦了，致敬！"),
    ("chatter", "今天雨好大，路上全是水，上班迟到了😩"),
])
def test_posts_about_help_score_low(kind, text):
    assert extract_rescue(text).request_score < 0.5, kind


def test_a_call_for_volunteers_is_a_request_as_the_guidelines_say():
    """nlp/eval/GUIDELINES.md counts calls for volunteers (招人) as requests for help. The rules alone
    do not see them (this test once listed one among the posts that must score low); the model does."""
    from nlp.analyzer import Analyzer
    from yuqing.records import Document, now

    text = "志愿者招募：民治街道需要20名志愿者协助转移群众，报名请联系13800001234"
    analysis = Analyzer.default().analyze([Document(id="v", text=text, published_at=now())])[0]
    assert analysis.rescue is not None and analysis.rescue.is_request


def test_urgency_orders_by_danger_and_fragility():
    mild = extract_rescue("求助，民治街道锦绣花园停电了，手机快没电，电话13800138000")
    severe = extract_rescue("救命！民治街道锦绣花园3栋水到胸口了，老人要透析，电话13800138000")
    assert severe.urgency > mild.urgency


def test_urgency_formula_bounds():
    assert urgency([], [], [], None, 1.0) == 0.0
    top = urgency(["medical"], ["infant"], ["水到胸口"], 10, 1.0)
    assert top == 1.0
    assert urgency(["power"], [], [], None, 1.0) == 0.25


def test_recency_decays_and_old_posts_are_less_urgent():
    now = datetime(2024, 6, 1, 20, 0, tzinfo=DEFAULT_TZ)
    assert recency(now - timedelta(hours=2), now) == 1.0
    assert recency(now - timedelta(hours=39), now) == pytest.approx(0.65)
    assert recency(now - timedelta(days=10), now) == 0.3
    assert recency(None, now) == 1.0
    fresh = extract_rescue(REQUEST, published_at=now - timedelta(hours=1), now=now)
    stale = extract_rescue(REQUEST, published_at=now - timedelta(hours=48), now=now)
    assert stale.urgency < fresh.urgency


def test_traditional_and_repost_give_same_slots():
    plain = extract_rescue("救命！龙华区民治街道锦绣花园3栋被困，两位老人，电话13800138000")
    trad = extract_rescue("轉發//@某人:救命！龍華區民治街道錦繡花園3棟被困，兩位老人，電話13800138000")
    assert trad.phones == plain.phones and trad.street == plain.street
    assert trad.people_count == plain.people_count == 2 and trad.address == plain.address


def test_address_without_a_known_place():
    slots = extract_rescue("救命，我们在锦绣花园5栋被困，水还在涨")
    assert slots.address == "锦绣花园5栋" and slots.street is None


@pytest.mark.parametrize("text", ["", "   ", "hello", "!!!", None])
def test_empty_input_gives_empty_slots(text):
    slots = extract_rescue(text)
    assert slots.phones == [] and slots.request_score == 0.0 and slots.urgency == 0.0


def test_contract_object():
    data = extract_rescue(REQUEST).to_rescue()
    assert set(data) == {"is_request", "score", "phones", "address", "people_count", "vulnerable", "needs",
                         "urgency"}
    from yuqing.records import Rescue
    Rescue(**data)


def test_megabyte_text_reads_its_first_window():
    text = REQUEST + "后续情况说明。" * 300_000  # 2 MB
    slots = extract_rescue(text)
    assert slots.phones == ["13800138000"] and slots.street == "民治街道"


@pytest.mark.parametrize("text", [
    "救命，我们一家被困在民治街道锦绣花园3栋，看到的请拨打13800138000联系我",
    "水到胸口了，谁能来救我们，可以联系我13800138000，观澜街道牛湖村",
])
def test_requests_that_borrow_notice_words(text):
    assert extract_rescue(text).request_score >= 0.5


@pytest.mark.parametrize("text, present, absent", [
    # 救援 inside 救援物资/救援设备 names supplies for the rescue, not people to take out
    ("急需救援物资：矿泉水、方便面，送到村委会，联系13800138000", {"food_water"}, {"evacuation"}),
    ("求助：小区地下车库进水三天了，急需抽水泵，电话13800138000", {"other"}, {"evacuation"}),
    ("急扩！这边缺水上救援设备，救生衣和头灯都要", {"other"}, {"food_water"}),
    # a word inside another word: a van (面包车), a university (中医药大学), people already sheltered
    ("求扩散，我哥开一辆面包车过河时被冲走，有线索请联系13800138000", {"other"}, {"food_water"}),
    ("求助：某中医药大学的宿舍楼停电两天，手机快没电了", {"power"}, {"medicine"}),
    ("学校里有三百名避难群众，急需矿泉水和面包，联系13800138000", {"food_water"}, {"shelter"}),
    # a denial of the need is not the need
    ("目前没人受伤，但水还在涨，急需冲锋舟，电话13800138000", {"evacuation"}, {"medical"}),
])
def test_need_words_inside_phrases_that_do_not_ask_for_them(text, present, absent):
    needs = set(extract_rescue(text).needs)
    assert present <= needs and not needs & absent, needs


@pytest.mark.parametrize("text, need", [
    ("村里急需两艘橡皮艇，电话13800138000", "evacuation"),  # every kind of boat (艇), not only 皮划艇
    ("求助！老人被大水包围在二楼，13800138000", "evacuation"),
    ("小区没水没电两天了，求帮忙转发", "food_water"),  # lacking water is asking for drinking water
    ("小区没水没电两天了，求帮忙转发", "power"),
    ("求助，家里无水无电，老人一天没有进食", "food_water"),
    ("求助，家里无水无电，老人一天没有进食", "power"),
    ("安置点急需铺盖和床上用品，联系13800138000", "shelter"),
    ("急需两副担架送到大桥下，13800138000", "medical"),
    ("急需手电用的电池，求助13800138000", "power"),
    # a search for someone missing or unreachable is `other` (GUIDELINES.md), beside any other need
    ("求扩散！我爸爸从昨晚起失去联系，他手机快没电了，13800138000", "other"),
    ("帮帮忙，邻居家八岁的孩子走丢了，他奶奶急需降压药，13800138000", "other"),
    # 物质 is how posts often miswrite 物资; explosives experts, radios, headlamps are asked for too
    ("县里急需抗洪救灾物质和矿泉水，请转发", "other"),
    ("河道被堵，急需爆破专家和冲锋舟，请求支援", "other"),
])
def test_need_words_the_storm_posts_use(text, need):
    assert need in extract_rescue(text).needs


def test_supplies_summed_up_as_wu_zi_are_not_another_need():
    """``矿泉水、面包等物资``: 物资 sums up the list; the list names the needs, it adds no `other`."""
    assert extract_rescue("求助！村里急需矿泉水、面包等物资，联系13800138000").needs == ["food_water"]


def test_every_lexicon_reads_the_same_with_libyaml_and_pure_python():
    """nlp.lexicons.load uses libyaml's safe loader for speed; it must give what yaml.safe_load gives."""
    import yaml

    from nlp.lexicons import HERE, load

    files = sorted(HERE.glob("*.yaml"))
    assert files
    for path in files:
        assert load(path.stem) == yaml.safe_load(path.read_text(encoding="utf-8")), path.name


def test_slots_left_for_requests_are_the_same_once_completed():
    """The analyser reads the people count, urgency and (when the street placed the post) the address
    for requests only: completed later, the slots equal those read at once, on every real storm post."""
    from nlp.eval.label import load_posts

    posts = [post["text"] for post in load_posts().values()]
    deferred = 0
    for text in [REQUEST, *posts]:
        early = extract_rescue(text, complete=False)
        deferred += early.people_count is None and extract_rescue(text).people_count is not None
        assert early.request_score == extract_rescue(text).request_score
        assert early.complete() == extract_rescue(text)
        assert early.complete() is early  # a second call is a no-op
    assert deferred > 300  # the counts were indeed left for later
