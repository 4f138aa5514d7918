"""Gazetteer and locator: full names, short forms, communities, landmarks, context, hints."""
import pytest

from nlp.gazetteer import Gazetteer, default_gazetteer
from nlp.location import Locator
from yuqing.errors import ConfigError


@pytest.fixture(scope="module")
def locator():
    return Locator()


@pytest.mark.parametrize("text, district, street", [
    ("深圳市龙华区民治街道白石龙社区被困", "龙华区", "民治街道"),
    ("龙华区民治街道积水严重", "龙华区", "民治街道"),
    ("在深圳北站附近被困", "龙华区", "民治街道"),          # landmark → street
    ("白石洲这边淹了", "南山区", "沙河街道"),              # urban village → street
    ("大芬油画村进水了", "龙岗区", "布吉街道"),
    ("我在新安街道", "宝安区", "新安街道"),               # home city breaks the tie with other 新安s
    ("南山区沙河街道", "南山区", "沙河街道"),
    ("福田区福田街道皇岗村", "福田区", "福田街道"),
    ("白石龙社区有人被困", "龙华区", "民治街道"),          # community → its street
    ("民治那边水很深", "龙华区", "民治街道"),              # short form of a street
])
def test_streets(locator, text, district, street):
    loc = locator.locate(text)
    assert (loc.district, loc.street) == (district, street)
    assert loc.city == "深圳市" and loc.province == "广东省" and loc.confidence > 0


def test_name_that_is_a_district_and_a_street_stays_at_the_district(locator):
    loc = locator.locate("福田那边水很深")
    assert loc.district == "福田区" and loc.street is None


def test_other_place_words_beat_the_home_city(locator):
    loc = locator.locate("海口市龙华区大雨")
    assert (loc.province, loc.city, loc.district) == ("海南省", "海口市", "龙华区")


def test_same_district_name_defaults_to_home_city(locator):
    assert locator.locate("龙华区大雨").city == "深圳市"


def test_place_hint_decides(locator):
    assert locator.locate("龙华区大雨", place_hint="海南省海口市").city == "海口市"
    with_hint = locator.locate("我在新安街道", place_hint="宝安")
    assert with_hint.street == "新安街道"
    assert with_hint.confidence > locator.locate("我在新安街道").confidence


def test_home_city_setting_changes_the_default():
    assert Locator(home_city="海口市").locate("龙华区大雨").city == "海口市"


def test_other_cities(locator):
    loc = locator.locate("北京市朝阳区望京街道")
    assert (loc.city, loc.district, loc.street) == ("北京市", "朝阳区", "望京街道")


def test_nothing_known(locator):
    loc = locator.locate("今天天气很好")
    assert loc.street is None and loc.district is None and loc.confidence == 0.0


def test_gazetteer_chain_of_a_community():
    g = default_gazetteer()
    code = next(iter(g.names["白石龙社区"]))
    chain = g.chain(code)
    assert chain["street"].name == "民治街道" and chain["district"].name == "龙华区"


def test_user_gazetteer_file_extends_places(tmp_path):
    extra = tmp_path / "mine.yaml"
    extra.write_text("city: 深圳市\nplaces:\n  龙华区:\n    观澜街道: [我们的测试花园]\n", encoding="utf-8")
    loc = Locator(Gazetteer((str(extra),))).locate("我们的测试花园3栋被淹")
    assert loc.street == "观澜街道"


@pytest.mark.parametrize("body, words", [
    ("city: 不存在市\nplaces: {}\n", "city"),
    ("city: 深圳市\nplaces:\n  不存在区:\n    民治街道: [某地]\n", "不存在区"),
    ("city: 深圳市\nplaces:\n  龙华区:\n    民治: [某地]\n", "民治"),
    ("city: [unclosed\n", "YAML"),
])
def test_bad_gazetteer_file_names_the_problem(tmp_path, body, words):
    bad = tmp_path / "bad.yaml"
    bad.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=words):
        Gazetteer((str(bad),))


def test_missing_gazetteer_file(tmp_path):
    with pytest.raises(ConfigError, match="nlp.gazetteer_file"):
        Gazetteer((str(tmp_path / "nope.yaml"),))


def test_unknown_home_city_is_a_config_error():
    with pytest.raises(ConfigError, match="nlp.home_city"):
        Locator(home_city="深圳")


def test_community_name_that_is_a_street_name_elsewhere(locator):
    community = locator.locate("红岭社区有人被困")          # a 深圳 community of 桂园街道
    assert (community.city, community.street) == ("深圳市", "桂园街道")
    # the street of that name is in 梧州: without 梧州 in the text it is no street of a 深圳 engine
    assert locator.locate("红岭街道有人被困").street is None
    street = locator.locate("梧州市红岭街道有人被困")
    assert street.city == "梧州市" and street.street == "红岭街道"


@pytest.mark.parametrize("text, street", [
    ("去年暴雨时楼岗社区附近被淹", "松岗街道"),     # 时楼 (a town's short form) overlaps 楼岗社区
    ("其家住龙城广场旁边的小区", "龙城街道"),       # 住龙 (住龙镇) overlaps 龙城广场
    ("福田保税区这边被困", "福保街道"),             # a bonded zone: the place file names its street
])
def test_overlapping_names_prefer_the_longer(locator, text, street):
    assert locator.locate(text).street == street


# --- a street needs evidence: no street is better than a wrong one -------------------------------

@pytest.mark.parametrize("text", [
    "街道办通知：今晚暴雨，街道这边积水严重，请勿外出",      # a bare 街道 is no street
    "有没有人知道街道的值班电话",
])
def test_bare_street_word_is_no_street(locator, text):
    assert locator.locate(text).street is None


@pytest.mark.parametrize("text", [
    "都安这边下大雨了",                  # short form of 都安乡 (广西): not the full name
    "浚县新镇那边水很深",                # 新镇 is the short form of 新镇镇, not its official name
    "台风山竹过境，村口大树倒了",        # 风山 (of 风山乡) inside an ordinary phrase
    "小区新开了一家便利店",              # 新开 / 利店: suffix-less fragments of townships
])
def test_short_or_partial_township_names_are_no_street(locator, text):
    assert locator.locate(text).street is None


@pytest.mark.parametrize("text", [
    "深圳都安乡有人被困",                # 都安乡 is in 广西百色, the text is about 深圳
    "福田区有人说都安乡也在下雨",
    "河南鹤壁的裕河镇受灾严重",          # the only 裕河镇 is in 甘肃陇南
    "河南新乡的朋友说，大隗镇也受灾了",  # 大隗镇 is in 郑州 (新密市), the text names 新乡
])
def test_same_name_township_in_another_province_or_city_is_no_street(locator, text):
    assert locator.locate(text).street is None


@pytest.mark.parametrize("text", [
    "白沙镇有人被困",                    # a 白沙镇 in many provinces, none named
    "河南白沙镇有人被困",                # two in 河南 (中牟县, 伊川县): the province does not decide
])
def test_ambiguous_township_without_its_county_is_no_street(locator, text):
    assert locator.locate(text).street is None


@pytest.mark.parametrize("text, district, street", [
    ("福田区香蜜湖街道有一棵树倒在路上", "福田区", "香蜜湖街道"),
    ("香蜜湖街道有一棵树倒在路上", "福田区", "香蜜湖街道"),
    ("公司搬去东莞了，民治街道的老员工怎么办", "龙华区", "民治街道"),   # a neighbour city named too
])
def test_named_street_in_the_home_city(locator, text, district, street):
    loc = locator.locate(text)
    assert (loc.city, loc.district, loc.street) == ("深圳市", district, street)


def test_home_short_form_in_a_text_about_another_city_is_no_street(locator):
    assert locator.locate("民治那边水很深").street == "民治街道"
    assert locator.locate("郑州暴雨，民治那边也淹了").street is None


@pytest.mark.parametrize("text, city, district, street", [
    ("卫辉市城郊乡有老人被困，需要皮划艇", "新乡市", "卫辉市", "城郊乡"),
    ("中牟县白沙镇一个小区停电两天了", "郑州市", "中牟县", "白沙镇"),
    ("郑州中牟白沙镇一个小区停电两天了", "郑州市", "中牟县", "白沙镇"),   # short forms of its county
    ("河南大隗镇受灾严重", "郑州市", "新密市", "大隗镇"),                 # the only one in 河南
    ("新乡市牧野区王村镇有村子进水", "新乡市", "牧野区", "王村镇"),
])
def test_township_named_with_its_county_or_city(locator, text, city, district, street):
    loc = locator.locate(text)
    assert (loc.city, loc.district, loc.street) == (city, district, street)


def test_place_hint_is_evidence_for_a_township(locator):
    assert locator.locate("我家在城郊乡，水到膝盖了").street is None
    assert locator.locate("我家在城郊乡，水到膝盖了", place_hint="新乡市卫辉市").street == "城郊乡"


def test_community_outside_the_home_city_names_no_street():
    # with 海口 as home city, a 深圳 community keeps its district but is no township the text names
    loc = Locator(home_city="海口市").locate("白石龙社区有人被困")
    assert loc.district == "龙华区" and loc.street is None


def test_placeholder_named_street_is_not_a_name():
    assert "街道" not in default_gazetteer().names
