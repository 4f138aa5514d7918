"""Personal data in free text is masked for roles and logs that must not see it."""
import pytest

from yuqing.privacy import can_see_pii, mask_address, mask_known_addresses, mask_phone, mask_text, redact


@pytest.mark.parametrize("text, masked", [
    ("电话13800138002求救", "电话138****8002求救"),
    ("电话 +86 138-0013-8002", "电话 138****8002"),
    ("座机0755-12345678", "座机0755-****5678"),
    ("身份证440301199001011234", "身份证440301********4"),
    ("转账到卡号6222 0212 3456 7890 123", "转账到卡号622********************"),  # bank card: no digit kept past 3
    ("联系人陈先生1380013800…", "联系人陈先生138*******…"),  # a snippet cut the phone short
    ("电话 138-0013-…", "电话 138*****-…"),
])
def test_personal_numbers_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", ["物业费从2.8涨到3.9元", "2023年9月7日20:15", "3栋102", "已转移1200人", "138****5678"])
def test_ordinary_numbers_and_masked_ones_stay(text):
    assert mask_text(text) == text


def test_mask_phone_and_roles():
    assert mask_phone("13800001234") == "138****1234" and mask_phone("12345") == "***45"
    assert can_see_pii("analyst") and can_see_pii("responder") and not can_see_pii("viewer") and not can_see_pii(None)


@pytest.mark.parametrize("text", [
    "2023-09-07 20:15",
    "2023-09-07 20:21:32 ERROR crawl failed",
    "[2023-09-07 20:21:32,123] job 3 done",
    "2023-09-07T20:15:00+08:00",
    "2023-09-07T20:15:00.123456+08:00",
    "发布于2023/9/7 8:05，更新2023.09.08",
    "20230907 20:15 记录",
    "20230907T201500",
    "2023-09-07至2023-09-10",
])
def test_dates_and_times_are_not_masked(text):
    assert mask_text(text) == text


@pytest.mark.parametrize("text, masked", [
    ("2023-09-07 20:15 电话13812345678", "2023-09-07 20:15 电话138****5678"),
    ("电话13812345678 2023-09-07 20:15:00", "电话138****5678 2023-09-07 20:15:00"),
    ("2023-09-07 身份证440301199001011234", "2023-09-07 身份证440301********4"),
    ("卡号6222021234567890123 于2023-09-07", "卡号622**************** 于2023-09-07"),
    ("证件440301-1990-01-01-1234", "证件440*******************"),  # a dashed number is not a date
    ("20230907", "202*****"),  # a compact date alone may be part of an account number
])
def test_numbers_next_to_dates_are_still_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", ["电话13812345678，2023-09-07 20:15", "身份证440301199001011234",
                                  "卡号6222 0212 3456 7890 123", "联系人陈先生1380013800…"])
def test_masking_twice_changes_nothing(text):
    assert mask_text(mask_text(text)) == mask_text(text)


def test_addresses_keep_only_their_street():
    assert mask_address("民治街道某小区3栋") == "民治街道****"
    assert mask_address("深圳市龙华区观澜街道某花园5栋1203") == "深圳市龙华区观澜街道****"
    assert mask_address("某小区3栋") == "****"
    assert mask_address("民治街道") == "民治街道"  # a street alone is not personal
    known = ["民治街道某小区3栋", "民治街道"]
    assert mask_known_addresses("求助：民治街道某小区3栋被困", known) == "求助：民治街道****被困"


def test_redact_masks_every_string_but_record_ids():
    data = {"id": "a1234567890", "doc_ids": ["9876543210123"], "title": "电话13812345678",
            "created_at": "2023-09-07T20:20:00+08:00", "address": "民治街道某小区3栋",
            "history": [{"who": "ana", "note": "已联系13812345678，家住民治街道某小区3栋"}], "size": 12345678}
    assert redact(data, ["民治街道某小区3栋"]) == {
        "id": "a1234567890", "doc_ids": ["9876543210123"], "title": "电话138****5678",
        "created_at": "2023-09-07T20:20:00+08:00", "address": "民治街道****",
        "history": [{"who": "ana", "note": "已联系138****5678，家住民治街道****"}], "size": 12345678}
