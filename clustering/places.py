"""Place mentions (地点) read from a post's own text: what tells one storm event from another.

Posts about one storm share their words; their events differ in *where*: a village (村), an estate
(小区/花园/苑/家园), a road, a hospital, a school, a subway line or station, a tunnel, a factory. The
gazetteer in ``nlp/`` knows the configured city only, so places are taken from the text itself: a
name of two to four characters in front of a place suffix. Because a name's start is not marked in
Chinese text, every tail of two to four characters is kept as a key (``核实柳塘村`` gives ``柳塘村``,
``实柳塘村`` and ``核实柳塘村``): two posts about one village share the short key even when one of them
runs other words into the name. Organisations that are the place of an event (a gym, a
training school, a lending platform, a factory) end in suffixes too and are read the same way.
Rivers and lakes are not places by themselves (one river runs past many villages: measured, it
glued their events), only a site on them (河边, 河段, a levee 堤, a sluice 闸).

Administrative units (省, 市, 县, 区, 镇, 乡, 街道) are kept apart as *areas*: every post of a street
or a town names it, so an area alone never ties two posts to one event.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

#: Suffixes of a specific place, longest first so that ``小区`` wins over ``区``.
FINE_SUFFIXES = (
    "培训机构", "健身房", "家属院", "生活区", "工业园", "卫生院", "幼儿园", "养老院", "敬老院", "服务区",
    "收费站", "地铁站", "河边", "河畔", "河段",
    "小区", "花园", "花苑", "家园", "公寓", "大厦", "广场", "新城", "社区", "医院", "学校", "小学", "中学",
    "大学", "学院", "大道", "胡同", "隧道", "号线", "水库", "园区", "酒店", "宾馆", "商场", "超市", "中心",
    "公司", "大桥", "涵洞", "车站", "老街", "新村", "机构", "平台", "片区", "工地", "公园", "市场", "餐馆",
    "餐厅", "饭店", "银行", "酒吧",
    "村", "庄", "屯", "寨", "苑", "路", "街", "巷", "桥", "站", "厂", "闸", "堤", "渠", "店",
)
#: Suffixes of an administrative area: shared by every post of it, never enough for one event.
AREA_SUFFIXES = ("街道", "省", "市", "县", "区", "镇", "乡")
_NAME = r"[\u4e00-\u9fff0-9A-Za-z]"  # punctuation, spaces and emoji end a name
#: Words that end in a place suffix without naming a place (这个小区, 整个村, 马路, 加油站 …) start with
#: one of these, or are one of the generic compounds below.
GENERIC_HEADS = frozenset("这那该本此每各全整我你他她们咱某一两几多个哪附周边所在其同隔临邻对旁")
GENERIC_NAMES = frozenset(
    "马路 道路 公路 铁路 出路 走路 一路 水路 马上 上路 救援站 加油站 服务站 派出所 火车站 高铁站 汽车站 "
    "医院 学校 小区 村里 村子 农村 乡村 城中村 村民 村庄 街上 大街 街道 路上 路口 路段 桥下 桥上 公司 中心 "
    "安置点 生活区 家属院 社区 新村 救助站 物资站 避难所 指挥中心 救援中心 服务中心 供电公司 自来水公司 "
    "电力公司 保险公司 物业公司 交叉路 十字路 丁字路 商店 小店 门店 网店 平台 机构 工地".split())

#: Function words and verbs that end a name when read backwards from its suffix (已核实寺庄顶村 → the
#: name does not include 已); digits of road names (经三路) and directions (北刘庄) are kept.
STOP_CHARS = frozenset("的了是在有不很多个及到被就都也要我你他她它这那说已经还没从向往给让把对为或等些所其们吗呢啊"
                       "呀哦嘛着过才又再只能会可想看去来做请求帮救助困急需找联系转发知道叫住进出分雨降决漫溃淹")
#: 街道 (a street office, an area) is matched first so that its 街 is not read as a street.
_FINE_RE = re.compile(f"(?:街道|{'|'.join(FINE_SUFFIXES)})")
_AREA_RE = re.compile(f"([\u4e00-\u9fff]{{2}})({'|'.join(AREA_SUFFIXES)})")
_RUN_RE = re.compile(f"{_NAME}+")
_AREA_CHARS = frozenset("省市县区镇乡")
_DIGITS = re.compile(r"[0-9]+")
_SINGLE_SUFFIXES = frozenset(s for s in FINE_SUFFIXES if len(s) == 1)  # a name never starts with 村, 路 …
_CJK = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Places:
    """What one post names: specific places (keys) and administrative areas."""

    keys: frozenset[str]
    areas: frozenset[str]


def extract(text: str) -> Places:
    """The place keys and areas a text names.

    >>> sorted(extract("东湖区青石镇柳塘村被困").keys), sorted(extract("东湖区青石镇柳塘村被困").areas)
    (['柳塘村'], ['东湖区', '青石镇'])
    """
    keys: set[str] = set()
    for run in _RUN_RE.finditer(text or ""):
        keys.update(_run_keys(run.group()))
    areas = {m.group(1) + m.group(2) for m in _AREA_RE.finditer(text or "")
             if not (m.group(2) == "区" and m.group(1)[-1] in "小社园活")}
    return Places(frozenset(keys), frozenset(areas))


def _run_keys(run: str) -> Iterable[str]:
    """Keys of every fine suffix inside one run of name characters."""
    for match in _FINE_RE.finditer(run):
        suffix, head = match.group(), run[:match.start()]
        if suffix == "街道":
            continue
        if suffix == "号线":  # subway and bus lines are numbered: 5号线
            number = _DIGITS.search(head[-2:])
            if number and head.endswith(number.group()):
                yield number.group() + suffix
        head = _after_stop(_after_area(head))[-4:]
        for length in range(2, len(head) + 1):
            name = head[-length:]
            if not _CJK.fullmatch(name) or name[0] in GENERIC_HEADS or name[0] in _AREA_CHARS \
                    or name[0] in _SINGLE_SUFFIXES:
                continue
            if name + suffix not in GENERIC_NAMES:
                yield name + suffix


def _after_stop(head: str) -> str:
    """What follows the last character that is never part of a place name (的, 在, 有, 我 …)."""
    for index in range(len(head) - 1, -1, -1):
        if head[index] in STOP_CHARS:
            return head[index + 1:]
    return head


def _after_area(head: str) -> str:
    """What follows the last area suffix: a name does not run back over the town or district in
    front of it (王村镇寺庄顶 → 寺庄顶). 区 of 小区, 社区, 园区 and 生活区 ends a place, not an area."""
    for index in range(len(head) - 1, -1, -1):
        if head[index] in _AREA_CHARS and not (head[index] == "区" and index and head[index - 1] in "小社园活"):
            return head[index + 1:]
    return head


def extract_all(texts: Sequence[str]) -> list[Places]:
    """Places of every text of a window; a name that one post gives with its suffix (寺庄顶村) also
    counts where another post names it bare (寺庄顶的情况): names of three characters or more only,
    shorter ones are too often part of other words."""
    found = [extract(t) for t in texts]
    names: dict[str, set[str]] = {}
    for places in found:
        for key in places.keys:
            name = name_of(key)
            if len(name) >= BARE_NAME_MIN:
                names.setdefault(name, set()).add(key)
    if not names:
        return found
    pattern = re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True)))
    out = []
    for text, places in zip(texts, found):
        extra = {key for m in pattern.finditer(text or "") for key in names[m.group()]}
        out.append(Places(places.keys | extra, places.areas) if extra - places.keys else places)
    return out


#: Shortest name that counts when a post gives it without its suffix.
BARE_NAME_MIN = 3


def name_of(key: str) -> str:
    """The name of a key without its suffix (寺庄顶村 → 寺庄顶)."""
    for suffix in FINE_SUFFIXES:
        if key.endswith(suffix):
            return key[:-len(suffix)]
    return key
