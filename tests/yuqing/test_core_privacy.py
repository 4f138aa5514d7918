"""Personal data in free text is masked for roles and logs that must not see it."""
import pytest

from yuqing.privacy import can_see_pii, mask_phone, mask_text


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
