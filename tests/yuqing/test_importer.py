"""yuqing import: JSONL/CSV/XLSX, column mapping, bad rows reported, idempotent, both stores."""
import json
from datetime import datetime

import pytest
from openpyxl import Workbook

from yuqing.config import load_config
from yuqing.errors import InputError
from yuqing.importer import RowMapper, import_file, parse_time


def mapper():
    config = load_config(None)
    return RowMapper(config["import.columns"], "hotline", "hotline")


def test_parse_time_formats():
    assert parse_time("2023年9月7日 20:15").isoformat() == "2023-09-07T20:15:00+08:00"
    assert parse_time("2023/9/7 8:05").isoformat() == "2023-09-07T08:05:00+08:00"
    assert parse_time("2023-09-07T12:15:00Z").utcoffset().total_seconds() == 0
    assert parse_time("20230907201500").isoformat() == "2023-09-07T20:15:00+08:00"
    assert parse_time(datetime(2023, 9, 7, 20, 15)).isoformat() == "2023-09-07T20:15:00+08:00"
    with pytest.raises(ValueError, match="not a time"):
        parse_time("上周")


def test_jsonl_bad_lines_reported_rest_imported(store, tmp_path):
    path = tmp_path / "docs.jsonl"
    lines = [
        {"id": "d1", "text": "民治街道某小区积水严重", "published_at": "2023-09-07T20:15:00+08:00"},
        "not json",
        {"id": "d2", "text": "观澜街道工厂欠薪", "published_at": "yesterday"},
        {"id": "d3", "published_at": "2023-09-07T20:15:00+08:00"},
        {"id": "d4", "text": "大浪街道噪音扰民", "published_at": "2023-09-08T09:00:00+08:00"},
    ]
    path.write_text("\n".join(l if isinstance(l, str) else json.dumps(l, ensure_ascii=False) for l in lines) + "\n",
                    encoding="utf-8")
    errors = []
    summary = import_file(store, path, mapper=mapper(), report=errors.append)
    assert summary.as_dict() == {"imported": 2, "duplicates": 0, "errors": 3}
    assert [e.split(":")[0] for e in errors] == ["docs.jsonl line 2", "docs.jsonl line 3", "docs.jsonl line 4"]
    assert "field 'published_at'" in errors[1] and "field 'text'" in errors[2]
    again = import_file(store, path, mapper=mapper(), report=lambda m: None)
    assert (again.imported, again.duplicates) == (0, 2)
    store.flush()
    assert store.count_documents() == 2
    assert store.get_document("d1").source == "hotline"


def test_csv_hotline_export_with_chinese_headers_gbk(store, tmp_path):
    path = tmp_path / "12345.csv"
    rows = ["工单号,来电时间,诉求内容,事发地址",
            "GD001,2023-09-07 20:15,民治街道白石龙社区地下车库进水，车辆被淹,民治街道白石龙社区",
            "GD002,2023/09/08 09:30,观澜街道某电子厂拖欠三个月工资,观澜街道",
            "GD003,,缺少时间的一行,",
            "GD001,2023-09-07 20:15,民治街道白石龙社区地下车库进水，车辆被淹,民治街道白石龙社区"]
    path.write_bytes("\n".join(rows).encode("gb18030"))
    errors = []
    summary = import_file(store, path, mapper=mapper(), report=errors.append)
    assert summary.as_dict() == {"imported": 2, "duplicates": 1, "errors": 1}
    assert errors[0].startswith("12345.csv line 4: field 'published_at'")
    store.flush()
    docs = list(store.iter_documents())
    assert {d.place for d in docs} == {"民治街道白石龙社区", "观澜街道"}
    assert all(d.source_type == "hotline" for d in docs)


def test_xlsx_rescue_sheet(store, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "求助登记"
    sheet.append(["时间", "内容", "地址"])
    sheet.append([datetime(2023, 9, 7, 23, 10), "家里老人被困二楼，水已到一楼天花板", "龙华区民治街道"])
    sheet.append([None, None, None])
    sheet.append(["2023-09-07 23:40", "", "空内容"])
    path = tmp_path / "rescue.xlsx"
    book.save(path)
    errors = []
    summary = import_file(store, path, mapper=mapper(), report=errors.append)
    assert (summary.imported, summary.errors) == (1, 1)
    assert errors[0].startswith("rescue.xlsx sheet 求助登记 row 4: field 'text'")
    assert import_file(store, path, mapper=mapper(), report=lambda m: None).duplicates == 1


def test_missing_and_unknown_files(store, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        import_file(store, tmp_path / "absent.csv", mapper=mapper())
    odd = tmp_path / "data.pdf"
    odd.write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match="unknown file type .pdf"):
        import_file(store, odd, mapper=mapper())
