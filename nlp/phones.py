"""Phone numbers in free text: mobiles, landlines with area code, numbers written in Chinese digits.

Returned normalised: mobiles as 11 digits (``13800138000``, the ``+86`` dropped), landlines as
``area-local`` (``0755-12345678``), a local number written without its area code as its 8 digits
when a word such as 电话 or 联系 introduces it. ID-card numbers, dates, amounts and order numbers are not phones:
a digit run is only read as a phone when its digits, split at the writer's own spaces or dashes,
make exactly a phone, and a run introduced by 身份证/订单号/快递单号… is skipped.
"""
from __future__ import annotations

import re

# Spoken digit names: 幺 is how "1" is read aloud in phone numbers, 两 is "2".
_CN_DIGITS = {"零": "0", "〇": "0", "○": "0", "洞": "0", "一": "1", "幺": "1", "壹": "1", "二": "2",
              "两": "2", "贰": "2", "三": "3", "叁": "3", "四": "4", "肆": "4", "五": "5", "伍": "5",
              "六": "6", "陆": "6", "七": "7", "柒": "7", "八": "8", "捌": "8", "九": "9", "玖": "9"}
_SEP = r"[ \t\-–—_.·()（）]"
_DIGIT_CLASS = "0-9" + "".join(_CN_DIGITS)
_RUN = re.compile(rf"(?:\+|＋)?[{_DIGIT_CLASS}]+(?:{_SEP}{{1,3}}[{_DIGIT_CLASS}]+)*")
_SPLIT = re.compile(rf"{_SEP}+")
_NOT_PHONE_BEFORE = re.compile(r"(身份证|证件|订单|单号|运单|快递|编号|卡号|账号|帐号|工号|学号|流水|车牌|尾号|"
                               r"QQ|qq|ID|id|No|NO)[号码:：\s#]*$")
# an amount may stand a space away from its number (13800 元); a unit word only right after it:
# a name such as 户妍平 a space after a phone is not a household count
_NOT_PHONE_AFTER = re.compile(r"^(\s*(元|块|万|亿)|人次|次|号楼|平|米|克|吨|户|件|个)")
# a keycap emoji (1⃣ = "1" + U+20E3) numbers a list; it is not a digit of the number after it
_KEYCAP = re.compile("[0-9#*]\ufe0f?\u20e3")
# a bare local number (8 digits, no area code) counts only right after a word that introduces one
_LOCAL_CUE = re.compile(r"(电话|联系|热线|方式|手机|致电|拨打|咨询|座机)[^0-9\n]{0,12}$")
_LOCAL = re.compile(r"(?!20[0-3]\d[01]\d[0-3]\d)[2-8]\d{7}")  # not a date such as 20210724
_WIDE = str.maketrans("０１２３４５６７８９＋－　", "0123456789+- ")  # the same length: positions hold
_MOBILE = re.compile(r"1[3-9]\d{9}")
_AREA3 = re.compile(r"0(10|2\d)")
_AREA4 = re.compile(r"0[3-9]\d\d")


def _digits_of(run: str) -> str:
    """ASCII digits for a run; Chinese digit names count only in a run of seven or more of them
    (a phone read aloud), so 两 in ``两13800138000`` or 一 in 一家 never join a number."""
    chinese = sum(1 for ch in run if ch in _CN_DIGITS)
    if chinese >= 7:
        return "".join(_CN_DIGITS.get(ch, ch) for ch in run)
    return "".join(ch if ch not in _CN_DIGITS else "|" for ch in run)


def _as_phone(digits: str) -> str | None:
    """A normalised phone if ``digits`` is exactly one, else ``None``."""
    if digits.startswith("0086"):
        digits = digits[2:]
    if digits.startswith("86") and len(digits) == 13 and _MOBILE.fullmatch(digits[2:]):
        return digits[2:]
    if _MOBILE.fullmatch(digits):
        return digits
    for area in (_AREA3, _AREA4):
        match = area.match(digits)
        if match:
            local = digits[match.end():]
            if 7 <= len(local) <= 8 and local[0] not in "01":
                return f"{match.group(0)}-{local}"
    return None


def _unglued(group: str) -> list[str]:
    """A run of digits with no separator that is phones written together: two or three mobiles
    (22 or 33 digits), or a mobile followed by a list number or a house number (``137338244442、``,
    ``15981893925130号楼``); else the run as it is."""
    if len(group) < 12 or _as_phone(group):
        return [group]
    chunks = [group[i:i + 11] for i in range(0, len(group), 11)]
    if len(group) % 11 == 0 and all(_MOBILE.fullmatch(c) for c in chunks):
        return chunks
    if len(group) <= 14 and _MOBILE.fullmatch(group[:11]):
        return [group[:11], group[11:]]
    return [group]


def _area_then_local(area: str, local: str) -> str | None:
    """A landline the writer split themselves: an area code alone, then a group of 7 or 8 digits
    (``0375-0224815``). The writer's own separator says where the area code ends, so the local part
    is taken as written even when it starts with 0 or 1, which a glued run cannot allow."""
    if (_AREA3.fullmatch(area) or _AREA4.fullmatch(area)) and 7 <= len(local) <= 8:
        return f"{area}-{local}"
    return None


def _phones_in_groups(groups: list[str]) -> list[str]:
    """Greedy left-to-right: at each group, the longest concatenation of groups that is a phone;
    failing that, an area code and the local number the writer put after it."""
    found = []
    i = 0
    while i < len(groups):
        best, best_j, acc = None, i, ""
        for j in range(i, len(groups)):
            acc += groups[j]
            if len(acc) > 14:
                break
            phone = _as_phone(acc)
            if phone:
                best, best_j = phone, j
        if not best and i + 1 < len(groups):
            best, best_j = _area_then_local(groups[i], groups[i + 1]), i + 1
        if best:
            found.append(best)
            i = best_j + 1
        else:
            i += 1
    return found


def extract_phones(text: str) -> list[str]:
    """Phone numbers in ``text``, normalised and de-duplicated in order of appearance."""
    seen: dict[str, None] = {}
    text = _KEYCAP.sub(lambda m: " " * len(m.group(0)), (text or "").translate(_WIDE))  # positions hold
    for match in _RUN.finditer(text):
        raw = match.group(0)
        digits_run = _digits_of(raw.lstrip("+＋"))
        if sum(ch.isdigit() for ch in digits_run) < 7:
            continue
        if _NOT_PHONE_BEFORE.search(text[max(0, match.start() - 8):match.start()]):
            continue
        unit_after = bool(_NOT_PHONE_AFTER.match(text[match.end():match.end() + 3]))
        cued = bool(_LOCAL_CUE.search(text[max(0, match.start() - 20):match.start()]))
        for piece in digits_run.split("|"):
            raw_groups = [g for g in _SPLIT.split(piece) if g]
            groups = [u for g in raw_groups for u in _unglued(g)]
            if unit_after:  # 13800 元, 3号楼: the number before the unit is not a phone …
                if not raw_groups or len(_unglued(raw_groups[-1])) != 2:
                    continue
                groups = groups[:-1]  # … unless the unit counts the digits glued to a mobile (…925130号楼)
            if len(groups) == 1 and len(groups[0]) > 13:
                continue  # one unbroken long run: an ID card, order or account number
            phones = _phones_in_groups(groups)
            if not phones and cued:  # 联系电话：67885953 (a local number, area code left out)
                phones = [g for g in groups if _LOCAL.fullmatch(g)]
            for phone in phones:
                seen.setdefault(phone, None)
    return list(seen)
