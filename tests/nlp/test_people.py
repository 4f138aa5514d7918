"""People counts: sums, families, vague counts (rounding documented in nlp/people.py), no ages."""
import pytest

from nlp.people import extract_people_count, parse_count


@pytest.mark.parametrize("text, expected", [
    ("老人2个 孩子1个", 3),
    ("老人2个，孩子1个，都在二楼", 3),
    ("2个老人1个孩子", 3),
    ("一家五口被困", 5),
    ("一家三口，老人1个", 3),
    ("十几个工人被困在厂房", 15),
    ("被困二十多人", 25),
    ("3人被困", 3),
    ("两位老人在家", 2),
    ("我们4个人在3楼", 4),
    ("2个80岁老人1个孩子", 3),
    ("5名工人和2名老人", 7),
    ("共有7人", 7),
    ("全家4口", 4),
    ("我们俩被困车里", 2),
    ("老两口在家", 2),
    ("老人家3个，婴儿1个", 4),
    ("一位孕妇和她老公", 2),
    ("两位老人和他们的女儿", 3),
    ("两老一小被困", 3),
    ("家里2大1小", 3),
    ("三大两小", 5),
    ("六口之家", 6),
    ("夫妻二人", 2),
    ("独居老人联系不上", 1),
])
def test_counts(text, expected):
    assert extract_people_count(text) == expected


@pytest.mark.parametrize("text", [
    "80岁老人被困3楼",
    "我家住5栋12楼，2023年9月7日",
    "水淹到1楼了，3个小时了",
    "今天雨很大",
    "人民路3号",
    "一大早就停电了",
    "一老板跑路了",
    "两大问题没解决",
    "",
])
def test_no_count_from_ages_floors_dates(text):
    assert extract_people_count(text) is None


@pytest.mark.parametrize("token, value", [
    ("3", 3), ("十", 10), ("十几", 15), ("二十几", 25), ("二十多", 25), ("三十余", 35), ("一百多", 150),
    ("两", 2), ("几", 3), ("几十", 50), ("20多", 25), ("十五", 15), ("二十三", 23),
])
def test_parse_count_rounding(token, value):
    assert parse_count(token) == value
