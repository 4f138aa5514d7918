"""Phone extraction: every way people write numbers, and numbers that are not phones."""
import pytest

from nlp.phones import extract_phones


@pytest.mark.parametrize("text, expected", [
    ("电话13800138000", ["13800138000"]),
    ("打 138 0013 8000 找我", ["13800138000"]),
    ("138-0013-8000", ["13800138000"]),
    ("+86 138 0013 8000", ["13800138000"]),
    ("+8613800138000", ["13800138000"]),
    ("86-13800138000", ["13800138000"]),
    ("0086 13800138000", ["13800138000"]),
    ("座机0755-23456789", ["0755-23456789"]),
    ("（0755）23456789", ["0755-23456789"]),
    ("075523456789", ["0755-23456789"]),
    ("010 87654321", ["010-87654321"]),
    ("一三八零零一三八零零零", ["13800138000"]),
    ("幺三九 两两两两 幺幺幺幺", ["13922221111"]),
    ("电话是幺五零幺二三四五六七八", ["15012345678"]),
    ("１３８００１３８０００", ["13800138000"]),
    ("13800138000 13900139000", ["13800138000", "13900139000"]),
    ("13800138000，或者13900139000，再或13800138000", ["13800138000", "13900139000"]),
    ("老人两个13800138000", ["13800138000"]),
])
def test_phones_found_and_normalised(text, expected):
    assert extract_phones(text) == expected


@pytest.mark.parametrize("text", [
    "身份证440301199001011234",
    "身份证号：44030119900101123X",
    "订单号13800138000",
    "快递单号 13800138000",
    "2023-09-01 12:00 发布",
    "20230901123000",
    "转账13800000000元",
    "门牌1380号，共13人，3栋12楼",
    "4403 0119 9001 0112 34",
    "一家五口，两位老人，十几个人",
    "股价12.35元，涨幅3.2%",
])
def test_not_phones(text):
    assert extract_phones(text) == []


@pytest.mark.parametrize("text, expected", [
    # the ways real storm posts (henan_storm_unlabelled, dev split) wrote numbers the reader missed
    ("联系电话:张三 13800138000  户李四 13900139000", ["13800138000", "13900139000"]),  # 户 is a name here
    ("联系：1380013800013900139000", ["13800138000", "13900139000"]),  # two mobiles written together
    ("电话138001380001390013900013700137000", ["13800138000", "13900139000", "13700137000"]),
    ("联系人：杨13800138000 2、明天需要志愿者", ["13800138000"]),
    ("联系人：杨138001380002、明天需要志愿者", ["13800138000"]),  # the list's next number glued on
    ("本人在市区13800138000130号楼值守", ["13800138000"]),  # a house number glued on
    ("13800138000279求助者回复", ["13800138000"]),
    ("联系电话:1⃣138001380002⃣13900139000", ["13800138000", "13900139000"]),  # keycap list numbers
    ("有意愿的请与我们联系：团委志工部67885953。", ["67885953"]),  # a local number, area code left out
    ("政府联系电话64990572   64988002", ["64990572", "64988002"]),
])
def test_numbers_as_real_posts_write_them(text, expected):
    assert extract_phones(text) == expected


@pytest.mark.parametrize("text", [
    "门牌67885953",  # eight digits without a word that introduces a phone
    "联系时间20210724",  # a date after a cue
    "共计1380013800012345678",  # a mobile's shape at the head of a long run is not split off
])
def test_eight_digits_and_long_runs_that_are_not_phones(text):
    assert extract_phones(text) == []


def test_phone_next_to_id_number_still_found():
    assert extract_phones("身份证440301199001011234，电话13800138000") == ["13800138000"]


@pytest.mark.parametrize("text, expected", [
    # the writer's own dash or brackets end the area code: the local part is kept as written, even
    # when it starts with 0 or 1 (the data set's replaced digits do)
    ("值班电话：0375-0224815", ["0375-0224815"]),
    ("慈善总会（0370）1908429，市民政局13800138000", ["0370-1908429", "13800138000"]),
    ("热线 010-0876543", ["010-0876543"]),
])
def test_landline_split_by_the_writer_keeps_its_local_part(text, expected):
    assert extract_phones(text) == expected


@pytest.mark.parametrize("text", [
    "编码03750224815",  # glued: nothing says where an area code would end
    "0375-12345",  # a local part too short
    "7月24日 0930-1030 停水",  # times, not an area code and a number
])
def test_area_code_shapes_that_are_not_landlines(text):
    assert extract_phones(text) == []
