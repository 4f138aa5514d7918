"""The cascade: which posts the transformer stage sees.

Stage 1 (hashed linear models and rules) labels every post in well under a millisecond. A post
goes on to stage 2 (backbone embeddings + trained heads) when stage 1 is unsure of it (sentiment
or category confidence below their thresholds) or when it carries a risk signal (a rescue or
harmful probability above the risk floor, or a strongly negative sentiment): the posts an analyst
acts on get the better model, unless stage 1 is already sure of a request for help (rescue
probability at or above ``rescue_ceiling``, chosen on the real dev split). Thresholds are settings
(``nlp.cascade.*``).
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from nlp.model_settings import SETTINGS
from yuqing.config import settings_params

MODES = ("cascade", "stage1", "stage2")


@settings_params(SETTINGS, "nlp.cascade.")
class CascadePolicy:
    """Routing thresholds; see nlp/model_settings.py for their meaning."""

    mode: str
    sentiment_confidence: float
    category_confidence: float
    risk_floor: float
    negative_floor: float
    rescue_ceiling: float

    def route(self, stage1: dict[str, np.ndarray]) -> tuple[np.ndarray, Counter]:
        """Which rows go to stage 2, and how many for each reason (for the log and the bench).

        Args:
            stage1: task name → stage-1 probabilities ``(n, labels)``; sentiment columns are
                (negative, positive).
        """
        n = len(next(iter(stage1.values()))) if stage1 else 0
        if self.mode == "stage1":
            return np.zeros(n, dtype=bool), Counter()
        if self.mode == "stage2":
            return np.ones(n, dtype=bool), Counter({"all": n})
        reasons = {}
        if "sentiment" in stage1:
            sentiment = stage1["sentiment"]
            reasons["sentiment unsure"] = sentiment.max(axis=1) < self.sentiment_confidence
            reasons["negative"] = sentiment[:, 0] >= self.negative_floor
        if "category" in stage1:
            reasons["category unsure"] = stage1["category"].max(axis=1) < self.category_confidence
        if "rescue" in stage1:
            rescue = stage1["rescue"][:, -1]
            reasons["rescue signal"] = (rescue >= self.risk_floor) & (
                (rescue < self.rescue_ceiling) if self.rescue_ceiling < 1.0 else True)
        if "harmful" in stage1:
            reasons["harmful signal"] = stage1["harmful"].max(axis=1) >= self.risk_floor
        routed = np.zeros(n, dtype=bool)
        counts: Counter = Counter()
        for reason, mask in reasons.items():
            counts[reason] = int(mask.sum())
            routed |= mask
        return routed, counts
