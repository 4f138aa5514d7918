"""Every code of the contract's taxonomies has its Chinese word: a new code cannot reach a page untranslated."""
import typing

import pytest

from yuqing import records as R
from yuqing import vocabulary

TAXONOMIES = [("category", R.CATEGORIES), ("severity", R.SEVERITIES), ("state", R.ALERT_STATES),
              ("sentiment", R.SENTIMENTS), ("harmful", typing.get_args(R.HarmfulType)),
              ("vulnerable", typing.get_args(R.Vulnerable)), ("need", typing.get_args(R.Need)),
              ("source_type", typing.get_args(R.SourceType))]


@pytest.mark.parametrize("kind,codes", TAXONOMIES, ids=[k for k, _ in TAXONOMIES])
def test_every_code_has_a_chinese_word(kind, codes):
    assert codes
    for code in codes:
        word = vocabulary.label(kind, code)
        assert word != code and any("\u4e00" <= ch <= "\u9fff" for ch in word), (kind, code)


def test_every_builtin_rule_type_has_a_chinese_word():
    from alerts.rules import RULE_TYPES

    names = RULE_TYPES.names()
    assert names and [n for n in names if vocabulary.label("rule", n) == n] == []


def test_unknown_codes_and_none_are_shown_as_they_are():
    assert vocabulary.label("rule", "my_own_rule") == "my_own_rule"
    assert vocabulary.label("category", None) == "—" and vocabulary.labels("need", []) == "—"
    assert vocabulary.labels("vulnerable", ["elderly", "infant"]) == "老人、婴幼儿"
