"""``yuqing indicators import`` as users run it (subprocess, no -q, output to a pipe), on both stores:
Chinese headers, bad rows reported with file, line and field, re-import adds nothing twice, a corrected
row replaces the stored one, a renamed enterprise keeps its old name, XLSX read the same way."""
import json

import pytest
from openpyxl import Workbook

from ent_builders import HEADERS, code, months, quiet_rows, write_csv, yuqing

A, B = code(1), code(2)
SIX = months("2026-01", 6)


def good_rows():
    return (quiet_rows(A, "深圳市鑫达电子有限公司", "民治街道", SIX)
            + quiet_rows(B, "深圳市宏兴五金有限公司", "大浪街道", SIX[:2], head=40))


def bad_rows():
    wrong_check = A[:17] + ("0" if A[17] != "0" else "1")
    return [
        [wrong_check, "某电子厂", "民治街道", "2026-01", 10, 0, 0, 1, 1, 0, 0],      # line 10: checksum
        ["", "某五金厂", "民治街道", "2026-13", 10, 0, 0, 1, 1, 0, 0],               # line 11: no such month
        ["", "某塑胶厂", "民治街道", "2026-01", "很多", 0, 0, 1, 1, 0, 0],           # line 12: not a number
        ["", "某塑胶厂", "民治街道", "2026-02", 10, 0, 0, -5, 1, 0, 0],             # line 13: negative
        ["", "", "民治街道", "2026-01", 10, 0, 0, 1, 1, 0, 0],                      # line 14: no code, no name
    ]


def test_import_reports_bad_rows_and_adds_nothing_twice(store, tmp_path):
    path = write_csv(tmp_path / "社保水电.csv", good_rows() + bad_rows())
    first = yuqing(store, tmp_path, "indicators", "import", str(path), "--format", "json")
    assert first.returncode == 1, first.stderr  # bad rows reported, the rest imported
    assert json.loads(first.stdout.strip().splitlines()[-1]) == {
        "imported": 8, "updated": 0, "duplicates": 0, "errors": 5, "enterprises": 2}
    err = first.stderr
    assert "社保水电.csv line 10: field 'code'" in err and "check character" in err
    assert "社保水电.csv line 11: field 'period' is not a real month ('2026-13')" in err
    assert "社保水电.csv line 12: field 'headcount' is not a number ('很多')" in err
    assert "社保水电.csv line 13: field 'power_kwh' is negative" in err
    assert "社保水电.csv line 14: the row has neither a code nor a name" in err
    assert "Traceback" not in err

    again = yuqing(store, tmp_path, "indicators", "import", str(path), "--format", "json")
    assert json.loads(again.stdout.strip().splitlines()[-1])["imported"] == 0
    assert json.loads(again.stdout.strip().splitlines()[-1])["duplicates"] == 8
    store.flush()
    assert store.count_records("enterprise_indicators") == 8
    assert store.count_records("enterprises") == 2
    ent = store.get_record("enterprises", A)
    assert ent.name == "深圳市鑫达电子有限公司" and ent.street == "民治街道"


def test_a_corrected_row_replaces_and_a_new_name_is_a_rename(store, tmp_path):
    yuqing(store, tmp_path, "indicators", "import", str(write_csv(tmp_path / "a.csv", good_rows())))
    later = [[A, "深圳市鑫达智造有限公司", "民治街道", "2026-07", 118, 118 * 1100, 0, 49_000, 790, 0, 0],
             [A, "深圳市鑫达电子有限公司", "民治街道", "2026-03", 100, 100 * 1100, 0, 50_000, 800, 0, 0]]
    done = yuqing(store, tmp_path, "indicators", "import", str(write_csv(tmp_path / "b.csv", later)),
                  "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["imported"] == 1
    assert json.loads(done.stdout.strip().splitlines()[-1])["updated"] == 1
    store.flush()
    assert store.get_record("enterprise_indicators", f"{A}|2026-03").headcount == 100
    ent = store.get_record("enterprises", A)
    assert ent.name == "深圳市鑫达智造有限公司"  # the name of the latest month is current
    assert ent.names == ["深圳市鑫达智造有限公司", "深圳市鑫达电子有限公司"]  # posts may use either


def test_the_same_row_twice_in_a_file_with_other_values_is_reported(tmp_path):
    rows = quiet_rows(A, "深圳市鑫达电子有限公司", "民治街道", SIX[:2])
    rows.append([A, "深圳市鑫达电子有限公司", "民治街道", "2026年1月", 999, 0, 0, 1, 1, 0, 0])
    done = yuqing(None, tmp_path, "indicators", "import", str(write_csv(tmp_path / "dup.csv", rows)))
    assert done.returncode == 1
    assert f"dup.csv line 4: enterprise {A} month 2026-01 was already given at dup.csv line 2" in done.stderr


def test_xlsx_with_chinese_headers_and_a_configured_column(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "六月"
    headers = [h if h != "用电量" else "电量（度）" for h in HEADERS]  # a street's own header
    sheet.append(headers)
    for row in good_rows():
        sheet.append(row)
    sheet.append([B, "深圳市宏兴五金有限公司", "大浪街道", "六月", 40, 0, 0, 1, 1, 0, 0])
    book.save(tmp_path / "june.xlsx")
    config = tmp_path / "config.yaml"
    config.write_text("enterprise:\n  columns:\n    power_kwh: [电量（度）]\n", encoding="utf-8")
    done = yuqing(None, tmp_path, "--config", str(config), "indicators", "import", str(tmp_path / "june.xlsx"),
                  "--format", "json")
    assert done.returncode == 1
    assert "june.xlsx sheet 六月 row 10: field 'period' is not a month I can read ('六月')" in done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["imported"] == 8
    from yuqing.storage.sqlite import SQLiteStore
    with SQLiteStore(tmp_path / "cli.sqlite") as stored:
        assert stored.get_record("enterprise_indicators", f"{A}|2026-01").power_kwh == 50_000


@pytest.mark.parametrize("value,month", [("2026-01", "2026-01"), ("2026/1", "2026-01"), ("2026年1月", "2026-01"),
                                         ("202601", "2026-01"), ("2026-01-31", "2026-01"), ("2026.12", "2026-12")])
def test_period_formats(value, month):
    from enterprise.indicators import parse_period
    assert parse_period(value) == month
