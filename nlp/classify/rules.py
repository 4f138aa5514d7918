"""Rule features appended to the stage-1 hashed features of some tasks.

``rescue``: the extraction rules' request score (nlp.rescue), so the model learns when to trust it.
``harmful``: patterns that words alone miss: an 18-digit ID number or someone else's full phone
(privacy leak), money moving to a private account (fraud), a call to gather or fight (incitement),
a claim spread without source (rumour) and its debunk.
"""
from __future__ import annotations

import re
from typing import Callable, Sequence

import numpy as np

_ID_NUMBER = re.compile(r"(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_HARMFUL_PATTERNS = [
    re.compile(r"人肉|扒一扒|曝光.{0,6}(?:住址|电话|身份证|单位)|家住|身份证号"),
    re.compile(r"转账|汇款|打款|扫码|收款码|私人账户|个人账户|支付宝|微信号|先交|押金|保证金|手续费"),
    re.compile(r"集合|集结|一起去|堵|围住|砸|讨说法|冲进|拉横幅|游行|都来|转起来|让他们付出代价"),
    re.compile(r"网传|听说|据说|内部消息|紧急通知|速转|扩散|千万不要|转给家人"),
    re.compile(r"辟谣|不实|谣言|假消息|造谣|已澄清|警方通报|官方回应"),
]


def harmful_rules(texts: Sequence[str]) -> np.ndarray:
    """(n, 7) 0/1 features; see the module docstring."""
    out = np.zeros((len(texts), 2 + len(_HARMFUL_PATTERNS)))
    for i, text in enumerate(texts):
        text = text or ""
        out[i, 0] = bool(_ID_NUMBER.search(text))
        out[i, 1] = len(_MOBILE.findall(text)) >= 2
        for j, pattern in enumerate(_HARMFUL_PATTERNS):
            out[i, 2 + j] = bool(pattern.search(text))
    return out


def rescue_rules(texts: Sequence[str]) -> np.ndarray:
    """(n, 1): the extraction rules' request score in [0, 1]."""
    from nlp.location import default_locator
    from nlp.rescue import extract_rescue

    locator = default_locator()
    return np.array([[extract_rescue(text or "", locator=locator).request_score] for text in texts])


RULE_FEATURES: dict[str, Callable[[Sequence[str]], np.ndarray]] = {
    "harmful": harmful_rules,
    "rescue": rescue_rules,
}
