"""People counts: sums, families, vague counts (their lower bound, as nlp/eval/GUIDELINES.md reads them), no ages."""
import pytest

from nlp.people import extract_people_count, parse_count


CASES = [
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
    # one missing person described by a height or a gender alone; a hashtag's figure is the news's
    ("紧急寻人！姓名李某，身高175厘米，昨晚在东四环附近失联", 1),
    ("刘某，女，于7月20日晚失联，手机一直关机", 1),
    ("#暴雨已致128万余人受灾# 寻找失联人员：李某，男，32岁", 1),
    ("【受困人员信息】女，70岁，行动不便【地址】某村", 1),  # a rescue form's field describes one person
    ("小区停水停电，有一孕妇在20层", 1),
]


@pytest.mark.parametrize("text, expected", CASES)
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
    "寻人：张某，身高170；王某，身高160，均已失联",
    "#某县暴雨已致3人遇难# 村里很多人被困，请求救援",  # the hashtag's figure is the news's
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


@pytest.mark.parametrize("text, expected", [
    # ranges: their lower bound
    ("村里大概三四十个人没出来", 30),
    ("厂区还有七八百名工人", 700),
    ("车站滞留一两千人", 1000),
    ("小区住着5000-6000人，停电两天", 5000),
    ("院子里七八个人等着皮艇", 7),
])
def test_ranges_take_their_lower_bound(text, expected):
    assert extract_people_count(text) == expected


@pytest.mark.parametrize("text, expected", [
    # the words between a count and its group word are no numerals: 6 people, 3 of them old
    ("屋里六个人三个老人，都在二楼", 6),
    # an age in months or with 以上 is a modifier, not a count
    ("楼上有一个8个月的婴儿，两个大人", 3),
    ("家里一位85岁以上的老人无人照顾", 1),
    ("3名60多岁的老人被困", 3),
])
def test_modifiers_are_not_counts(text, expected):
    assert extract_people_count(text) == expected


@pytest.mark.parametrize("text, expected", [
    # the same group named again, or a part of it, is not added
    ("【急】两位老人被困！楼下淹了，请帮忙把两位老人接出来", 2),
    ("家里三个老人，其中一个老人腿脚不便，还有一个五岁的孩子", 4),
])
def test_a_group_word_counts_once_at_its_largest(text, expected):
    assert extract_people_count(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("三个孩子，一对夫妻，以及隔壁的一个人", 6),
    ("两对母子困在车里", 4),
    ("二楼有两位老人和姥姥", 3),
    ("三个大人和1岁多的宝宝", 4),
    ("一位女士带着三个孩子在屋顶", 4),
    ("教室里有十二个同学，还有两个老师", 14),
    ("他们三个在村口等", 3),
    ("一个男孩在桥下失踪", 1),
])
def test_enumerations_pairs_and_companions_add_up(text, expected):
    assert extract_people_count(text) == expected


def test_a_total_said_with_gong_wins_over_overlapping_groups():
    assert extract_people_count("十几个老人和五名护工，再加上12个老人，共有二十多人") == 20


@pytest.mark.parametrize("text, expected", [
    ("楼里至少30小孩、60大人没水喝", 90),
    ("养老院上百号老人等待转移", 100),
])
def test_crowds_of_different_words_add_up(text, expected):
    assert extract_people_count(text) == expected


def test_a_bare_two_digit_figure_before_old_people_is_an_age():
    assert extract_people_count("78，82老人两名，腿脚不便") == 2


@pytest.mark.parametrize("text", [
    "仓库缺40个人帮忙卸货",
    "招募20名志愿者搬物资",
    "需求人数：10到15人，会开车优先",
])
def test_people_asked_for_are_not_counted(text):
    assert extract_people_count(text) is None


@pytest.mark.parametrize("text, expected", [
    ("我舅舅住在河边那个村，从昨晚到现在都联系不上", 1),
    ("有个同事下班路上失联了，请大家帮忙留意", 1),
    ("这个孩子放学后走丢了", 1),
    # not one person: two relatives, a household, a group, a plural
    ("爷爷奶奶从早上就联系不上", None),
    ("一户人家被困，有个孩子联系不上", None),
    ("村里老人很多，我爸爸也联系不上", None),
    ("朋友们都失联了", None),
    ("小区信号不好，孩子们和老人都联系不上", None),
])
def test_one_relative_out_of_reach_counts_one(text, expected):
    assert extract_people_count(text) == expected


def test_patterns_skipped_for_a_missing_word_find_what_the_full_scan_finds():
    """A pattern that needs a word (口人, 对, a group noun…) skips texts without it; over the real storm
    posts and this module's cases it finds exactly what scanning every text finds."""
    from nlp import people
    from nlp.eval.label import load_posts

    gated = [value for value in vars(people).values() if isinstance(value, people._Needing)]
    gated += [value for value in people._TOTALS if isinstance(value, people._Needing)]
    assert len(gated) >= 8
    texts = [post["text"] for post in load_posts().values()] + [case[0] for case in CASES]
    skipped = 0
    for pattern in gated:
        for text in texts:
            full = [m.span() for m in pattern.pattern.finditer(text)]
            assert [m.span() for m in pattern.finditer(text)] == full, (pattern.pattern.pattern, text)
            skipped += not pattern.needles.search(text)
    assert skipped > 1000
