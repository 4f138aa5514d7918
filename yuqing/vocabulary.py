"""The Chinese words for the contract's codes (词表): what a person reads where the API says a code.

The records, the API and the command line keep the English codes of ``CONTRACT.md``; pages and
printed text show these words. One table per taxonomy, and :func:`label` for any of them, so a
code never reaches a page untranslated by accident: an unknown code is shown as it is.
"""
from __future__ import annotations

from typing import Iterable, Optional

CATEGORIES = {
    "natural_disaster": "自然灾害", "public_safety": "公共安全", "traffic": "交通", "labor_dispute": "劳资纠纷",
    "land_demolition": "征地拆迁", "environment": "环境", "public_health": "公共卫生",
    "property_management": "物业管理", "consumer_finance": "消费金融", "education": "教育",
    "public_order": "社会治安", "public_service": "公共服务", "other": "其他"}
SEVERITIES = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
#: the national four-colour scale with its level, for headings
SEVERITY_LEVELS = {"red": "红色（一级）", "orange": "橙色（二级）", "yellow": "黄色（三级）", "blue": "蓝色（四级）"}
STATES = {"new": "待确认", "acknowledged": "已确认", "dispatched": "已派发", "resolved": "已办结",
          "dismissed": "已排除", "duplicate": "重复"}
SENTIMENTS = {"negative": "负面", "neutral": "中性", "positive": "正面"}
HARMFUL = {"rumor": "不实信息", "fraud": "诈骗", "incitement": "煽动", "privacy_leak": "泄露隐私"}
VULNERABLE = {"elderly": "老人", "child": "儿童", "infant": "婴幼儿", "pregnant": "孕妇", "disabled": "残障人士",
              "patient": "病人"}
NEEDS = {"evacuation": "转移被困", "medical": "医疗急救", "food_water": "食物饮水", "power": "电力",
         "medicine": "药品", "shelter": "安置", "other": "其他"}
SOURCE_TYPES = {"news": "新闻媒体", "forum": "论坛", "social": "社交媒体", "rss": "订阅源", "hotline": "热线",
                "import": "导入"}
#: the built-in rule types (an alert's ``rule`` is the configured rule's name, often the type's)
RULES = {"keyword": "关键词", "frequency": "频次", "spike": "突增", "new_term": "新词", "sentiment_shift": "情绪突变",
         "rescue_request": "求救", "harmful_info": "有害信息", "incident_growth": "事件升温",
         "calendar_window": "敏感时间窗", "case_match": "相似案例", "source_health": "数据源异常",
         "enterprise_risk": "企业风险"}
INCIDENT_STATES = {"emerging": "初发", "growing": "升温", "peak": "高峰", "declining": "回落", "closed": "已平息"}
#: the tasks of an analyst's correction (nlp.corrections) and their labels
CORRECTION_LABELS = {"request": "求救", "not_request": "不是求救", "rumor": "谣言", "not_rumor": "不是谣言",
                     "none": "无街道"}
#: the roles of `yuqing run --role` (deployment/), also the names of the leases they hold (sweep: the analysers')
ROLES = {"crawl": "采集", "analyze": "分析", "cluster": "聚类", "alert": "预警", "web": "网页", "all": "全部",
         "sweep": "补漏扫描"}

VOCABULARIES = {"category": CATEGORIES, "severity": SEVERITIES, "state": STATES, "sentiment": SENTIMENTS,
                "harmful": HARMFUL, "vulnerable": VULNERABLE, "need": NEEDS, "source_type": SOURCE_TYPES,
                "rule": RULES, "incident_state": INCIDENT_STATES, "correction": CORRECTION_LABELS, "role": ROLES}


def label(kind: str, code: Optional[str], default: str = "—") -> str:
    """The Chinese word for ``code`` in vocabulary ``kind``; ``default`` for none, the code if unknown."""
    if code is None or code == "":
        return default
    return VOCABULARIES[kind].get(code, code)


def labels(kind: str, codes: Optional[Iterable[str]], sep: str = "、") -> str:
    """Several codes of one vocabulary, joined (``"老人、婴幼儿"``); ``"—"`` when there are none."""
    words = [label(kind, c) for c in (codes or ()) if c]
    return sep.join(words) if words else "—"
