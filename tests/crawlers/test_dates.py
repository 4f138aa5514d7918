"""Chinese dates and relative times, read in Asia/Shanghai relative to a given now."""
from datetime import datetime, timedelta, timezone

import pytest

from crawlers.dates import parse_chinese_datetime
from yuqing.records import DEFAULT_TZ

NOW = datetime(2023, 9, 2, 10, 0, tzinfo=DEFAULT_TZ)


@pytest.mark.parametrize("text, expected", [
    ("2023年9月1日 20:15", datetime(2023, 9, 1, 20, 15)),
    ("发布时间：2023年09月01日 下午8:15", datetime(2023, 9, 1, 20, 15)),
    ("2023-09-01 20:15:00", datetime(2023, 9, 1, 20, 15)),
    ("2023/9/1", datetime(2023, 9, 1)),
    ("09-01 20:15", datetime(2023, 9, 1, 20, 15)),
    ("9月1日 20:15", datetime(2023, 9, 1, 20, 15)),
    ("3小时前", datetime(2023, 9, 2, 7, 0)),
    ("十分钟前", datetime(2023, 9, 2, 9, 50)),
    ("半小时前", datetime(2023, 9, 2, 9, 30)),
    ("2天前", datetime(2023, 8, 31, 10, 0)),
    ("昨天 14:00", datetime(2023, 9, 1, 14, 0)),
    ("前天 08:30", datetime(2023, 8, 31, 8, 30)),
    ("今天 09:15", datetime(2023, 9, 2, 9, 15)),
    ("刚刚", datetime(2023, 9, 2, 10, 0)),
    ("08:20", datetime(2023, 9, 2, 8, 20)),
    ("23:20", datetime(2023, 9, 1, 23, 20)),   # a clock time later than now is yesterday's
])
def test_chinese_times_in_shanghai(text, expected):
    assert parse_chinese_datetime(text, now=NOW) == expected.replace(tzinfo=DEFAULT_TZ)


def test_month_day_at_new_year_is_last_year():
    jan = datetime(2024, 1, 1, 8, 0, tzinfo=DEFAULT_TZ)
    assert parse_chinese_datetime("12-31 23:00", now=jan).year == 2023


def test_machine_formats_keep_their_instant():
    utc = parse_chinese_datetime("Fri, 01 Sep 2023 12:15:00 GMT", now=NOW)
    assert utc == datetime(2023, 9, 1, 20, 15, tzinfo=DEFAULT_TZ)
    assert parse_chinese_datetime("2023-09-01T12:15:00Z") == utc
    assert parse_chinese_datetime(1693570500) == utc            # seconds
    assert parse_chinese_datetime(1693570500000) == utc         # milliseconds
    naive = parse_chinese_datetime("2023-09-01T20:15:00")
    assert naive.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("text", ["", "   ", "没有时间", None, "99-99 99:99"])
def test_no_time_gives_none(text):
    assert parse_chinese_datetime(text, now=NOW) is None
