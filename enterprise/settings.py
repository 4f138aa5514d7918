"""Settings of enterprise risk (``enterprise.`` section of config.yaml)."""
from yuqing.config import Setting, positive, zero_or_more

#: indicator field → the headers a street's monthly export may use for it (first non-empty wins)
DEFAULT_COLUMNS = {
    "code": ["统一社会信用代码", "信用代码", "社会信用代码", "code"],
    "name": ["企业名称", "单位名称", "企业", "name"],
    "street": ["所属街道", "街道", "street"],
    "period": ["月份", "统计月份", "所属期", "期间", "period"],
    "industry": ["行业", "所属行业", "industry"],
    "address": ["地址", "经营地址", "注册地址", "address"],
    "aliases": ["简称", "别名", "曾用名", "aliases"],
    "headcount": ["参保人数", "在职参保人数", "headcount"],
    "contributions_paid": ["社保缴费", "实缴金额", "已缴金额", "contributions_paid"],
    "contributions_owed": ["社保欠费", "欠缴金额", "contributions_owed"],
    "power_kwh": ["用电量", "用电量(千瓦时)", "用电量（千瓦时）", "power_kwh"],
    "water_m3": ["用水量", "用水量(立方米)", "用水量（立方米）", "water_m3"],
    "tickets": ["12345工单", "工单数", "投诉工单", "tickets"],
    "inspections": ["劳动监察案件", "监察案件", "inspections"],
}

RISKS = ("wage_arrears", "shutdown", "relocation")


def _columns(value):
    from enterprise.fields import FIELDS

    for field, headers in value.items():
        if field not in FIELDS:
            return f"unknown field {field!r}; use one of {', '.join(FIELDS)}"
        if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
            return f"the headers of {field} must be a list of strings, not {headers!r}"
    return None


def _thresholds(value):
    for risk, score in value.items():
        if risk not in RISKS:
            return f"unknown risk {risk!r}; use {', '.join(RISKS)}"
        if not isinstance(score, (int, float)) or not 0 < score <= 100:
            return f"the threshold of {risk} must be a number in (0, 100], not {score!r}"
    return None


SETTINGS = [
    Setting("enterprise.columns", DEFAULT_COLUMNS, "Column mapping of `yuqing indicators import`: indicator "
            "field → the headers (Chinese or English) it may have in a street's export; missing fields keep "
            "their defaults. A row needs a code (统一社会信用代码) or a name, and a period (月份).", type=dict,
            check=_columns),
    Setting("enterprise.thresholds", {"wage_arrears": 41, "shutdown": 50, "relocation": 20},
            "A month's score (0-100) at or above this raises a warning (the `enterprise_risk` alert). "
            "Chosen on simulator seed 11 (bench/bench_enterprise.py --tune); figures are reported on seed 2027.",
            type=dict, check=_thresholds),
    Setting("enterprise.baseline_months", 3, "An indicator's change is measured against the median of this many "
            "earlier months (missing months skipped).", type=int, check=positive),
    Setting("enterprise.opinion_months", 2, "Linked posts and tickets of the scored month and of this many "
            "months before it in all count as opinion signals.", type=int, check=positive),
    Setting("enterprise.check_interval", 600, "Seconds between the service's checks whether enterprises are due "
            "to be scored (an indicator import since the last scoring, or enterprise.score_day passed); the latest "
            "month with indicators is scored, and warnings reach the queue as `enterprise_risk` cards. 0: the "
            "service never scores (run `yuqing indicators score`).", type=int,
            check=zero_or_more("off")),
    Setting("enterprise.score_on_import", True, "Score after every `yuqing indicators import` that added or "
            "changed rows (noticed at the service's next check).", type=bool),
    Setting("enterprise.score_day", 10, "Day of the month (1-28, service.timezone) from which the service scores "
            "once a month, so that the month's new posts and tickets count even without a new import (a month "
            "missed while the service was down is scored when it comes back). 0: no monthly scoring.", type=int,
            check=lambda v: None if 0 <= v <= 28 else "must be a day from 1 to 28, or 0 for no monthly scoring"),
    Setting("enterprise.link_min_chars", 4, "A short name or alias shorter than this many characters links a "
            "post only with a suffix (XX厂, XX公司) or more evidence (street, address, full name).", type=int,
            check=positive),
]
