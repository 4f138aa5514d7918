"""Slot pools shared by the generators of the project's labelled sets (see README.md)."""
from __future__ import annotations

import random

from nlp.gazetteer import default_gazetteer

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟"
ESTATES = ["锦绣花园", "阳光家园", "碧水龙庭", "金色年华", "丰泽湖山庄", "东方明珠城", "美丽家园", "幸福里",
           "翠湖山庄", "书香门第", "金地名峰", "万科城", "世纪春城", "龙华新村", "星河丹堤", "桃源居", "海语山林",
           "绿景花园", "振兴小区", "工人新村", "新围仔", "大围村", "老村", "红树湾花园", "水榭春天", "宝安新村"]
_CN = "零一二三四五六七八九"


def shenzhen_places(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """(community or place name, street, district, kind) in Shenzhen, from the gazetteer."""
    g = default_gazetteer()
    out = []
    for division in g.divisions.values():
        if division.level in ("community", "place"):
            chain = g.chain(division.code)
            city = chain.get("city")
            if (city and city.name == "深圳市" and "street" in chain and "district" in chain
                    and chain["street"].name.endswith("街道")):  # not the airport or a bonded zone
                out.append((division.name, chain["street"].name, chain["district"].name, division.level))
    counts: dict[str, int] = {}
    for name, *_ in out:
        counts[name] = counts.get(name, 0) + 1
    out = [row for row in out if counts[row[0]] == 1]  # a name in two streets: no human could tell
    out.sort()
    rng.shuffle(out)
    return out


def mobile(rng: random.Random) -> str:
    """A random mobile number (1[35789] + 9 digits)."""
    rng.choice("3456789")  # an unused draw, kept so the committed files stay reproducible
    return "1" + rng.choice("35789") + "".join(rng.choice("0123456789") for _ in range(9))


def landline(rng: random.Random) -> str:
    return "0755-" + rng.choice("2368") + "".join(rng.choice("0123456789") for _ in range(7))


def write_phone(number: str, rng: random.Random) -> str:
    """A normalised phone written the way people write it."""
    if "-" in number:
        area, local = number.split("-")
        return rng.choice([f"{area}-{local}", f"{area}{local}", f"({area}){local}", f"{area} {local}",
                           f"（{area}）{local}"])
    style = rng.random()
    if style < 0.35:
        return number
    if style < 0.5:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if style < 0.62:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style < 0.72:
        return rng.choice(["+86 ", "+86-", "+86", "86-"]) + number
    if style < 0.86:
        digits = "".join(_CN[int(d)] for d in number)
        return digits.replace("一", rng.choice("一幺"), rng.randint(0, 3)).replace("二", rng.choice("二两"))
    return f"{number[:3]}{number[3:7]} {number[7:]}"


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(["先生", "女士", "阿姨", "师傅", "大哥", "姐"])
