"""Chinese publication times, absolute and relative, read in Asia/Shanghai.

Sites write ``2023年9月1日 20:15``, ``2023-09-01 20:15:00``, ``09-01 20:15``, ``3小时前``, ``昨天 14:00``,
``刚刚`` (just now), RFC 822 (RSS) or ISO 8601 (Atom, JSON APIs), or a Unix timestamp. All are read
relative to a given ``now`` so that the parsing is testable and a replayed crawl is reproducible.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Optional, Union

from yuqing.records import DEFAULT_TZ, aware

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9, "十": 10, "半": 0.5}
_UNITS = {"秒": 1, "分钟": 60, "分": 60, "小时": 3600, "钟头": 3600, "个小时": 3600, "天": 86400, "日": 86400,
          "周": 7 * 86400, "星期": 7 * 86400, "个月": 30 * 86400, "月": 30 * 86400, "年": 365 * 86400}
_DAY_WORDS = {"今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2, "前日": -2}

_RELATIVE = re.compile(r"^\s*(\d+|[一二两三四五六七八九十半]+)\s*(秒|分钟|分|个小时|小时|钟头|天|日|周|星期|个月|月|年)\s*(?:以)?前\s*$")
_DAY_WORD = re.compile(r"^\s*(今天|今日|昨天|昨日|前天|前日)\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?\s*$")
_FULL = re.compile(r"(\d{4})\s*[年/\-.]\s*(\d{1,2})\s*[月/\-.]\s*(\d{1,2})\s*日?"
                   r"(?:[\sT]*(上午|下午|晚上)?\s*(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*(?:[:：分]\s*(\d{1,2}))?)?")
_MONTH_DAY = re.compile(r"^\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?\s*$")
_TIME_ONLY = re.compile(r"^\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?\s*$")


def _cn_number(text: str) -> float:
    """``3`` → 3, ``十二`` → 12, ``半`` → 0.5 (for 半小时前)."""
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return sum(_CN_DIGITS.get(ch, 0) for ch in text)


def parse_chinese_datetime(value: Union[str, int, float, datetime, None],
                           now: Optional[datetime] = None) -> Optional[datetime]:
    """A publication time as an aware datetime, or ``None`` when the text holds no time.

    Args:
        value: the text from the page (or a timestamp, or a datetime).
        now: the reference for relative times (default: the current time).
    """
    now = aware(now).astimezone(DEFAULT_TZ) if now else datetime.now(DEFAULT_TZ)
    if value is None:
        return None
    if isinstance(value, datetime):
        return aware(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        stamp = float(value) / (1000 if value > 1e11 else 1)  # milliseconds in many JSON APIs
        return datetime.fromtimestamp(stamp, DEFAULT_TZ)
    text = " ".join(str(value).split())
    if not text:
        return None
    return (_just_now(text, now) or _relative(text, now) or _day_word(text, now) or _iso(text)
            or _full(text) or _month_day(text, now) or _time_only(text, now) or _rfc822(text))


def _just_now(text: str, now: datetime) -> Optional[datetime]:
    return now if text in ("刚刚", "刚才", "just now") else None


def _relative(text: str, now: datetime) -> Optional[datetime]:
    match = _RELATIVE.match(text)
    if not match:
        return None
    return now - timedelta(seconds=_cn_number(match.group(1)) * _UNITS[match.group(2)])


def _day_word(text: str, now: datetime) -> Optional[datetime]:
    match = _DAY_WORD.match(text)
    if not match:
        return None
    day = now + timedelta(days=_DAY_WORDS[match.group(1)])
    return day.replace(hour=int(match.group(2)), minute=int(match.group(3)), second=int(match.group(4) or 0),
                       microsecond=0)


def _iso(text: str) -> Optional[datetime]:
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    if not re.match(r"^\d{4}-\d{2}-\d{2}", candidate):
        return None
    try:
        return aware(datetime.fromisoformat(candidate))
    except ValueError:
        return None


def _full(text: str) -> Optional[datetime]:
    match = _FULL.search(text)
    if not match:
        return None
    year, month, day, half, hour, minute, second = match.groups()
    hour_value = int(hour or 0)
    if half in ("下午", "晚上") and hour_value < 12:
        hour_value += 12
    try:
        return datetime(int(year), int(month), int(day), hour_value, int(minute or 0), int(second or 0),
                        tzinfo=DEFAULT_TZ)
    except ValueError:
        return None


def _month_day(text: str, now: datetime) -> Optional[datetime]:
    match = _MONTH_DAY.match(text)
    if not match:
        return None
    month, day, hour, minute, second = (int(g or 0) for g in match.groups())
    try:
        value = datetime(now.year, month, day, hour, minute, second, tzinfo=DEFAULT_TZ)
    except ValueError:
        return None
    # "12-31 23:00" read on 1 January is last year's, not a date in the future
    return value.replace(year=now.year - 1) if value > now + timedelta(days=1) else value


def _time_only(text: str, now: datetime) -> Optional[datetime]:
    match = _TIME_ONLY.match(text)
    if not match:
        return None
    value = now.replace(hour=int(match.group(1)), minute=int(match.group(2)), second=int(match.group(3) or 0),
                        microsecond=0)
    return value - timedelta(days=1) if value > now + timedelta(minutes=5) else value


def _rfc822(text: str) -> Optional[datetime]:
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return aware(value) if value else None


def to_shanghai(value: datetime) -> datetime:
    """The same instant in Asia/Shanghai (for display and ids)."""
    return aware(value).astimezone(DEFAULT_TZ)


UTC = timezone.utc
