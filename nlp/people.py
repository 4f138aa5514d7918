"""How many people a post speaks of (被困人数): ``老人2个 孩子1个`` → 3, ``一家五口`` → 5.

Vague counts take the number the writer gives, its lower bound, as the labelling guidelines of the
real storm posts do (``nlp/eval/GUIDELINES.md``): ``十几`` → 10, ``二十多`` → 20, ``800余`` → 800,
``几十`` → 10, ``几百``/``上百``/``数百`` → 100, ``几千``/``上千``/``数千`` → 1000, ``数万`` → 10000;
``几个``/``好几个`` alone → 3, ``俩`` → 2, ``仨`` → 3; a range too: ``七八百`` → 700, ``二三十`` → 20,
``一两千`` → 1000, ``8000-10000人`` → 8000. (Before 2026-12-02 they took the middle of the
range, 十几 → 15; on the real posts' dev split that disagreed with the labellers' reading.)
A total (``共5人``, ``一家五口``, ``我们4个人``, ``他们三个``, ``1000多村民``, ``24小孩，50大人``) and the sum of
the groups (老人、孩子、工人、女士、老师…; ``一对夫妻`` → 2; ``以及另一栋楼的一个人`` → +1; ``两位老人和舅舅``,
``两位老人和2岁多的孩子`` → +1; ``有一孕妇`` → 1) are both read; the larger wins, so ``一家五口，老人2个`` stays 5 — except a
total said with 共 (``共有四十多位人员``), the writer's own sum, which wins over groups that add up to more.
A group word counts once, at its largest (``两位老人…两位老人`` → 2, ``两个老人，其中一个老人残疾`` → 2).
A missing-person notice describing one person (``寻人启事：张某，男，47岁``; ``身高175厘米``; ``刘某，女，于…失联``:
each said once; a rescue form's ``【受困人员信息】男，65岁`` too) or naming one relative or friend
out of reach (``我爸爸在某村，现在联系不上``) counts 1. People asked for (``缺50个人``, ``招募30名志愿者``)
are helpers, never counted.
Hashtags are not read (``#巩义洪灾已致至少4人死亡#`` is the news, not the post's people).
Ages (``80岁``, ``5个月的婴儿``, ``75老人``), floors, buildings, dates and times are never counted: a number only
counts with a person word or a people classifier after it (or before it: ``老人2个``).
"""
from __future__ import annotations

import re
from typing import Optional


class _Needing:
    """A pattern that cannot match a text without one of its needles in it (a regex of words).

    The patterns that start with a number try it at every character of the text; a text without
    the word that must follow skips that scan: the same answers, the people count 2.5× faster on
    real storm posts."""

    def __init__(self, pattern: re.Pattern[str], needles: str):
        self.pattern, self.needles = pattern, re.compile(needles)

    def finditer(self, text: str):
        return self.pattern.finditer(text) if self.needles.search(text) else iter(())

    def search(self, text: str):
        return self.pattern.search(text) if self.needles.search(text) else None


# A range (``8000-10000``, ``三到五``) is read whole and parse_count takes its lower bound.
_NUM = (r"(?:(?:上|将?近)(?=[\d一二两三四五六七八九十百千万])|上(?=[百千万]))?"
        r"(?:\d{1,5}(?:[-~～—至到]\d{1,5}(?!\d))?万?|[零一二两三四五六七八九十百千万几数]{1,6}"
        r"(?:[-~～至到][一二两三四五六七八九十百千万]{1,6})?)(?:多|余)?")
# People words: a group (summed) — longest first so 老人家 wins over 老人.
_GROUP_NOUNS = ("老人家", "老人", "老太太", "老大爷", "老奶奶", "老爷爷", "大爷", "阿姨", "孩子", "小孩", "儿童",
                "学生", "小朋友", "婴儿", "宝宝", "婴幼儿", "孕妇", "病人", "患者", "伤员", "伤者", "残疾人",
                "工人", "员工", "村民", "居民", "群众", "游客", "大人", "成人", "妇女", "男子", "女子", "租户",
                "住户", "业主", "师生", "家属", "人员", "同事", "老乡", "乘客", "旅客", "同学", "司机", "工友", "大学生",
                "女士", "男士", "老师", "教师", "职工", "女孩子", "男孩子", "女孩", "男孩", "女生", "男生", "宝妈", "学子")
_GROUP = "(?:" + "|".join(_GROUP_NOUNS) + ")"
_CLS = r"(?:个|位|名|口)"
# Modifiers between the count and the group word: "2个80岁的老人", "3名行动不便的老人", "一个5个月大的婴儿",
# "两位80岁以上的老人". Words of a modifier are no numerals and no classifiers, so "八个人两个老人" is
# read as 8 people and 2 old people, never as "8 old people".
_AGE = r"(?:\d{1,3}|[一二两三四五六七八九十几]{1,4})多?(?:岁|个月|个多月)(?:多|半)?(?:以上|左右)?大?"
_WORD = r"[^\d\s，。,；;！!？?、（）()零一二两三四五六七八九十百千万几个位名口人]"
_MOD = rf"(?:{_AGE})?(?:{_WORD}{{0,5}}?的|{_WORD}{{0,3}}?)"

# "5个月的婴儿" is an age, not five infants: the classifier is not followed by 月.
_NUM_FIRST = _Needing(re.compile(rf"(?P<num>{_NUM}){_CLS}(?!多?月){_MOD}(?P<noun>{_GROUP})"), _GROUP)
_NOUN_FIRST = re.compile(rf"(?P<noun>{_GROUP})(?:有|共|约)?(?P<num>{_NUM})(?:{_CLS}|人)")
# A total said as one (共7人, 一共四十多位人员) is the writer's own sum: it wins over the groups even
# when they add up to more (the groups then overlap or are named twice).
_STATED_TOTAL = re.compile(rf"(?:共|一共|总共|合计|共计|总计)(?:有)?({_NUM}){_CLS}?人")
_TOTALS = (
    re.compile(rf"(?:一家|全家|家里|家中)(?:老小)?({_NUM})口"),
    _Needing(re.compile(rf"({_NUM})口人"), "口人"),
    _STATED_TOTAL,
    # a form's field: 人数：已知三位, 被困人数：5人
    re.compile(rf"人数\s*[:：]?\s*(?:已知|约|大约|大概|共)?({_NUM})(?:个|位|名|口)?"),
    re.compile(rf"(?:我们|咱们|他们|她们)(?:一共|共|有)?({_NUM})(?:个|位|口)?人"),
    re.compile(rf"(?:我们|咱们|他们|她们)(?:一共|共)?({_NUM})个(?![\u4e00-\u9fff]*?(?:小时|天|月|楼|栋))"),
    _Needing(re.compile(rf"(?<![第\d岁楼层栋号])({_NUM})(?:个|位|名)?人(?![民工大家间份次生口行])"), "人"),
)
# Shorthand of rescue posts: 两老一小 (2 old + 1 young), 2大1小, 三大两小, 三百多老人; alone, a bare
# two-digit figure before 老人 is an age (``66，75老人两名``: two people aged 66 and 75).
_OLD_YOUNG = _Needing(re.compile(rf"({_NUM})(?:老|大)(?!板|师|总|乡|伴|公|婆|早|爷|是|实|的|问题)(?:人)?"
                                 rf"(?:({_NUM})(?:小|孩|幼))?"), "老|大")
_HOME_PAIRS = "夫妻|母子|母女|父子|父女|兄弟|姐妹"
_N_PEOPLE_HOME = _Needing(re.compile(rf"({_NUM})口之家|(?:{_HOME_PAIRS})({_NUM})人"), f"口之家|{_HOME_PAIRS}")
# more people added to an enumeration of groups: "两个老人，两个孩子，以及另一栋楼的一个人" (+1)
_MORE_PEOPLE = re.compile(rf"(?:以及|还有|另有|外加|加上)[^\d\s，。,；;！!？?]{{0,8}}?(?P<num>{_NUM})(?:个|位|名)(?P<noun>人)")
# pairs counted as a group of two each: 一对夫妻 → 2, 两对母子 → 4
_PAIR_GROUP = _Needing(re.compile(rf"(?P<num>{_NUM})对(?:{_WORD}{{0,3}}?的?)(?P<noun>夫妻|夫妇|母女|母子|父子|父女|情侣|老人)"),
                       "对")
_PAIRS = re.compile(r"(我们俩|我俩|夫妻俩|母子俩|母女俩|父子俩|父女俩|两口子|老两口|姐妹俩|兄弟俩|我们仨)")
# One more person named, without a number, right after a counted group: a relative (一位孕妇和她老公,
# 两位老人和舅舅) or a group word made singular by an age (两位老人和2岁多的孩子).
_KIN = ("老公|老婆|丈夫|妻子|爱人|儿子|女儿|妈妈|爸爸|母亲|父亲|舅舅|舅妈|姑姑|叔叔|婶婶|伯伯|爷爷|奶奶|姥姥|姥爷|"
        "外婆|外公|婆婆|公公|岳母|岳父|儿媳|女婿|孙子|孙女|外孙|外孙女|哥哥|姐姐|弟弟|妹妹")
_COMPANION = re.compile(rf"[，,、]?(?:和|跟|带着|还有|以及)(?:她们|他们|我们|她|他|我)?的?"
                        rf"(?:(?:{_KIN})(?![们俩仨\d一二两三四五六七八九十几])|{_AGE}的?{_WORD}{{0,2}}?{_GROUP})")
_ONE_OF_GROUP = re.compile(rf"有一(?:{_GROUP})")  # 有一孕妇: one, though no classifier says so
_ALONE = re.compile(r"独居|独自一人|独自在家|一个人在家|一个人住")
# People asked for are helpers, not people in need (GUIDELINES: volunteers asked for are not counted):
# 缺50个人, 需要十几个人, 招募30名志愿者, 需求人数：20到30人 are blanked before counting.
_ASKED_FOR = re.compile(rf"(?:需要|缺少?|招募?|还差|需求人数[:：]?)(?:大约|约|大概)?{_NUM}(?:个|位|名)?(?:人|志愿者|{_GROUP})")
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_MAX_PEOPLE = 20000  # beyond this it is a figure of a news report (128万人受灾), not people to reach
# a crowd named by its number alone: 1000多村民, 上千群众 (ten or more; 2老人 is not how people write)
# Crowds of different words add up: 24小孩，50大人 → 74; 号 counts people in a crowd (上百号老人孩子). A bare
# figure before 老人 is an age (75老人), so 老人 makes a crowd only after a classifier (三百多名老人).
_CROWD_NOUNS = "村民|群众|居民|学生|师生|灾民|人员|员工|工人|游客|乘客|旅客|业主|住户|小孩|孩子|儿童|大人|成人"
_CROWD = _Needing(re.compile(rf"(?P<num>{_NUM})(?:(?:{_CLS}|号)?(?:避难|受灾|被困|受困|留守)?(?P<noun>{_CROWD_NOUNS})|(?:{_CLS}|号)(?P<old>老人))"),
                  f"{_CROWD_NOUNS}|老人")
# a missing-person notice that describes one person: 寻人启事：张某，男，47岁
_MISSING = re.compile(r"寻人|失联|走失|联系不上|失踪")
# ... or that names one relative or friend out of reach: 我爸爸在某村，现在联系不上; 一个朋友已失联;
# 这个小弟弟还没找到. A bare 孩子/小孩 may be many (村里老人小孩都联系不上), so it needs 这个/一个/我的 or an age; two
# relatives side by side (爷爷奶奶都联系不上) are not one person, nor is 我哥一家 / 朋友们 or a post about a
# household (一户人家被困); a line cut off by the flood (信号不畅，联系不上) speaks of a place, not a person.
_ONE_KIN = ("女朋友|男朋友|好朋友|朋友|同学|同事|爸爸|父亲|妈妈|母亲|小弟弟|小妹妹|弟弟|哥哥|姐姐|妹妹|丈夫|老公|妻子|老婆|"
            "儿子|女儿|爷爷|奶奶|姥姥|姥爷|外婆|外公|表弟|表妹|表哥|表姐|舅舅|姑姑|叔叔|孙子|孙女")
_ONE_CHILD = rf"(?:这个|一个|一名|我的|我家|{_AGE}的?)(?:小孩|孩子|男孩|女孩)"
_OUT_OF_REACH = "失联|联系不上|没有?联系上|失去联系|走丢|走失|失踪|没有?找到|找不到|打不通"
_ONE_MISSING = _Needing(re.compile(rf"(?<![爸妈弟哥姐妹友学事夫公婆子儿爷奶姥外叔舅姑孩])(?:{_ONE_CHILD}|(?:{_ONE_KIN}))"
                                   rf"(?![们俩仨]|一家|{_ONE_KIN})(?:(?!信号|断电|停电|断网|停水|断水)[^。！？!?\n]){{0,40}}?"
                                   rf"(?:{_OUT_OF_REACH})"), _OUT_OF_REACH)
_HOUSEHOLD = re.compile(r"一户|一家|全家|家人们")
# other people of the post, beside the one missing person (words that may name that person again — 孩子, 女子 —
# are left out): 楼上人员, 村里老人 make it a post about a group without a number, which is no count.
_OTHERS = re.compile("|".join(n for n in _GROUP_NOUNS if n not in (
    "孩子", "小孩", "男孩", "女孩", "男孩子", "女孩子", "女子", "男子", "女士", "男士", "同学", "同事")))
# what a missing-person notice says of the one person it describes (男，47岁; 身高173; 和某某，男，于…失联):
# each said once at most (two ages or two heights are two people)
_ONE_PERSON = (re.compile(r"(?<![\d一二两三四五六七八九十])[男女](?:性)?[，,、\s]{0,2}\d{1,2}岁"),
               re.compile(r"身高\s*[:：]?\s*[1一]\d{2}"), re.compile(r"(?<=[，,、\s])[男女](?=[，,、\s])"))
# a rescue form's field describing the one person trapped, as a notice does: 【受困人员信息】男，65岁
_TRAPPED_FIELD = re.compile(r"(?:受困|被困|求助)(?:人员|人)信息")
# a hashtag names the storm's channel or a news figure (#巩义洪灾已致至少4人死亡#), not the people of the post
_HASHTAG = re.compile(r"#[^#\n]{1,40}#")


def parse_count(token: str) -> Optional[int]:
    """``3`` → 3, ``十几`` → 10, ``二十多`` → 20, ``两`` → 2, ``几`` → 3, ``上千`` → 1000; a range gives its
    lower bound: ``七八百`` → 700, ``一两千`` → 1000, ``8000-10000`` → 8000 (see the module notes)."""
    token = re.split(r"[-~～—至到]", token)[0].rstrip("多余")  # a range: its lower bound
    for prefix in ("将近", "近", "上"):
        if token.startswith(prefix):
            token = token[len(prefix):]
            if prefix == "上" and token in ("百", "千", "万"):
                token = "一" + token
    if not token:
        return None
    if token.isdigit():
        return int(token)
    if token[:-1].isdigit() and token.endswith("万"):
        return int(token[:-1]) * 10000
    if token in ("几", "好几"):
        return 3
    if token[0] in "几数" and len(token) == 2 and token[1] in "十百千万":
        token = "一" + token[1]
    total, section, current = 0, 0, 0
    for i, ch in enumerate(token):
        if ch in _DIGITS:
            if i and token[i - 1] in _DIGITS and token[i - 1] != "零":
                continue  # 七八百, 二三十, 一两千: two digits side by side are a range, read its lower bound
            current = _DIGITS[ch]
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit == 10000:
                total += (section + current or 1) * unit
                section = 0
            else:
                section += (current or 1) * unit
            current = 0
        elif ch == "几":
            current = 0
        else:
            return None
    total += section + current
    return total or None


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, int]]:
    out = []
    for match in pattern.finditer(text):
        value = parse_count(match.group(1))
        if value:
            out.append((match.start(), match.end(), value))
    return out


def _group_counts(pattern: re.Pattern[str], text: str) -> list[tuple[int, str, int]]:
    """(end, group word, count) of each counted group."""
    out = []
    for match in pattern.finditer(text):
        value = parse_count(match.group("num"))
        if value:
            out.append((match.end(), match.group("noun"), value))
    return out


def _groups_sum(text: str) -> int:
    """Sum of the group counts, read in whichever order (``2个老人`` or ``老人2个``) fits more of them,
    and of pairs (``一对夫妻`` → 2), plus one for each companion named right after a counted group
    (``一位孕妇和她老公`` → 2) and the people added to them (``以及隔壁的一个人`` → +1).

    One group word counts once, at its largest: a post names the same people again (a headline and its
    body both say ``两位老人``; ``两个老人，其中一个老人残疾`` is a part of them), so ``两位老人…两位老人`` → 2."""
    num_first = _group_counts(_NUM_FIRST, text)
    noun_first = _group_counts(_NOUN_FIRST, text)
    chosen = noun_first if len(noun_first) > len(num_first) else num_first
    largest: dict[str, int] = {}
    pairs = [(end, "对" + noun, 2 * value) for end, noun, value in _group_counts(_PAIR_GROUP, text)]
    for _, noun, value in chosen + pairs:
        largest[noun] = max(value, largest.get(noun, 0))
    total = sum(largest.values())
    if chosen:
        total += sum(value for _, _, value in _group_counts(_MORE_PEOPLE, text))
    for end, _, _ in chosen:
        if _COMPANION.match(text, end):
            total += 1
    return total


def _described_once(text: str) -> bool:
    """The text describes one person: some of gender and age, height, gender, and none twice."""
    found = [len(pattern.findall(text)) for pattern in _ONE_PERSON]
    return max(found) == 1


def _one_missing(text: str) -> bool:
    """One relative or friend out of reach, and no household nor other people in the post."""
    match = _ONE_MISSING.search(text)
    if not match or _HOUSEHOLD.search(text):
        return False
    return not _OTHERS.search(text[:match.start()] + " " + text[match.end():])


def extract_people_count(text: str) -> Optional[int]:
    """The number of people the text speaks of, or ``None`` when it gives none."""
    text = _ASKED_FOR.sub(" ", _HASHTAG.sub(" ", text or ""))
    totals = [value for pattern in _TOTALS for _, _, value in _spans(pattern, text)]
    totals += [3 if "仨" in m.group(0) else 2 for m in _PAIRS.finditer(text)]
    if _ALONE.search(text) or _ONE_OF_GROUP.search(text):
        totals.append(1)
    for match in _OLD_YOUNG.finditer(text):
        old = parse_count(match.group(1)) or 0
        age = re.fullmatch(r"\d{2,3}", match.group(1)) and old <= 120  # 75老人 is an age, 三百多老人 a crowd
        if match.group(2) or (match.group(0).endswith(("老", "老人")) and not age):
            totals.append(old + (parse_count(match.group(2) or "") or 0))
    for match in _N_PEOPLE_HOME.finditer(text):
        totals.append(parse_count(match.group(1) or match.group(2)) or 0)
    crowds: dict[str, int] = {}
    for match in _CROWD.finditer(text):
        value, noun = parse_count(match.group("num")) or 0, match.group("noun") or match.group("old")
        if value >= 10:
            crowds[noun] = max(value, crowds.get(noun, 0))
    totals.append(sum(crowds.values()))
    stated = [value for _, _, value in _spans(_STATED_TOTAL, text)]
    count = max(stated) if stated else max([_groups_sum(text)] + totals)
    if not count and (((_MISSING.search(text) or _TRAPPED_FIELD.search(text)) and _described_once(text))
                      or _one_missing(text)):
        count = 1
    if not count or count > _MAX_PEOPLE:
        return None
    return count
