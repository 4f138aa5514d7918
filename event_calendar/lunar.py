"""Lunar (农历) dates and the 24 solar terms (节气), converted with lunar-python (MIT)."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

SOLAR_TERMS = ("小寒", "大寒", "立春", "雨水", "惊蛰", "春分", "清明", "谷雨", "立夏", "小满", "芒种", "夏至",
               "小暑", "大暑", "立秋", "处暑", "白露", "秋分", "寒露", "霜降", "立冬", "小雪", "大雪", "冬至")


@lru_cache(maxsize=4096)
def lunar_to_solar(lunar_year: int, lunar_month: int, lunar_day: int) -> date:
    """The solar date of a lunar date; ``lunar_day=-1`` (or a 30 the month lacks) is the month's last day.

    Why clamp: a lunar month has 29 or 30 days, so "12/30" (除夕) does not exist in every year.
    """
    from lunar_python import Lunar, LunarYear

    days = LunarYear.fromYear(lunar_year).getMonth(lunar_month).getDayCount()
    day = days if lunar_day == -1 or lunar_day > days else lunar_day
    solar = Lunar.fromYmd(lunar_year, lunar_month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=512)
def solar_term(year: int, term: str) -> date:
    """The day of ``term`` in solar ``year`` (清明 2026 → 2026-04-05)."""
    from lunar_python import Lunar

    # The table of lunar year Y holds the terms from the 冬至 before it onwards; Y's own terms are
    # found by name in the table of the lunar year that starts in solar year Y.
    table = Lunar.fromYmd(year, 6, 1).getJieQiTable()
    solar = table[term]
    found = date(solar.getYear(), solar.getMonth(), solar.getDay())
    if found.year != year:  # 小寒/大寒/冬至 can sit in the neighbouring year's table
        solar = Lunar.fromYmd(year + (1 if found.year < year else -1), 6, 1).getJieQiTable()[term]
        found = date(solar.getYear(), solar.getMonth(), solar.getDay())
    return found


def spring_festival(year: int) -> date:
    """春节 (lunar 1/1) falling in solar ``year``."""
    return lunar_to_solar(year, 1, 1)


def lunar_label(day: date) -> str:
    """``农历十二月廿三`` — for messages and evidence sentences."""
    from lunar_python import Solar

    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    return f"农历{lunar.getMonthInChinese()}月{lunar.getDayInChinese()}"
