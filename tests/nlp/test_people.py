"""People counts: sums, families, vague counts (their lower bound, as nlp/eval/GUIDELINES.md reads them), no ages."""
import pytest

from nlp.people import extract_people_count, parse_count


@pytest.mark.parametrize("text, expected", [
    ("老人2个 孩子1个", 3),
    ("老人2个，孩子1个，都在二楼", 3),
    ("2个老人1个孩子", 3),
    ("一家五口被困", 5),
    ("一家三口，老人1个", 3),
    ("十几个工人被困在厂房", 10),
    ("被困二十多人", 20),
    # crowds as real storm posts (dev split) name them
    ("受困群众几千人", 1000),
    ("小区数千人缺少饮用水", 1000),
    ("东樊村目前还有1000多村民被困", 1000),
    ("上千群众急需救援", 1000),
    ("1600户、近6000人", 6000),
    ("有将近一万人等待救援", 10000),
    ("学生一千多人", 1000),
    ("【全村800余人被困！】", 800),
    ("寻人启事：张某，男，47岁，身高173左右，暂时失联", 1),
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
    "暴雨已致128万余人受灾",  # a news figure, not people to reach
    "寻人启事汇总：张某，男，47岁；李某，女，30岁；已失联",  # two notices: no single count
    "一老板跑路了",
    "两大问题没解决",
    "",
])
def test_no_count_from_ages_floors_dates(text):
    assert extract_people_count(text) is None


@pytest.mark.parametrize("token, value", [
    ("3", 3), ("十", 10), ("十几", 10), ("二十几", 20), ("二十多", 20), ("三十余", 30), ("一百多", 100),
    ("两", 2), ("几", 3), ("几十", 10), ("20多", 20), ("十五", 15), ("二十三", 23), ("几百", 100), ("上百", 100),
    ("几千", 1000), ("数千", 1000), ("上千", 1000), ("数万", 10000), ("两千三百", 2300), ("1万", 10000),
    ("近6000", 6000), ("将近一万", 10000),
])
def test_parse_count_rounding(token, value):
    assert parse_count(token) == value
