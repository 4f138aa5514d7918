"""Rule files: validated at load, errors name the file, the key and the fix; user rule types by dotted path."""
import pytest

from alerts.schema import load_file, load_rules
from alerts.settings import BUILTIN_RULES_DIR
from yuqing.errors import ConfigError


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rule_files_all_load():
    rules = load_rules([BUILTIN_RULES_DIR])
    assert len(rules) >= 11 and len({r.name for r in rules}) == len(rules)


@pytest.mark.parametrize("text,where,key", [
    ("name: a\ntype: frequency\noptions: {count: 3}\n", "rule a", "options.minutes"),
    ("name: a\ntype: spike\noptions: {factr: 2}\n", "rule a", "options.factr"),
    ("name: a\ntype: keyword\nseverity: purple\noptions: {words: [x]}\n", "", "severity"),
    ("name: a\ntype: keyword\nmatch: {street: [x]}\noptions: {words: [x]}\n", "", "match.street"),
    ("type: keyword\n", "", "name"),
    ("name: a\ntype: keywrd\n", "rule a", "type"),
])
def test_bad_rule_files_name_file_key_and_fix(tmp_path, text, where, key):
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ConfigError) as err:
        load_file(path)
    message = str(err.value)
    assert str(path) in message and f"key '{key}'" in message and where in message
    assert any(fix in message for fix in ("add it", "remove it", "use one of", "built-in rule types are"))


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, "broken.yaml", "name: a\ntype: [keyword\n")
    with pytest.raises(ConfigError, match=r"broken.yaml line \d+: not valid YAML"):
        load_file(path)


def test_bad_regex_is_refused_at_load(tmp_path):
    path = write(tmp_path, "re.yaml", "name: a\ntype: keyword\noptions: {regex: ['(unclosed']}\n")
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        load_file(path)


def test_several_rules_per_file_duplicate_names_and_disabled(tmp_path):
    write(tmp_path, "a.yaml", "rules:\n  - {name: one, type: keyword, options: {words: [x]}}\n"
                              "  - {name: two, type: keyword, enabled: false, options: {words: [y]}}\n")
    assert [r.name for r in load_rules([tmp_path])] == ["one"]
    write(tmp_path, "b.yaml", "name: one\ntype: incident_growth\n")
    with pytest.raises(ConfigError, match="rule name 'one' is also used"):
        load_rules([tmp_path])


def test_user_rule_type_by_dotted_path(tmp_path, monkeypatch):
    (tmp_path / "myrules.py").write_text(
        "from alerts.rules.base import Rule, Finding\n"
        "class LongPostRule(Rule):\n"
        "    options = {'min_chars': {'type': 'integer'}}\n"
        "    def evaluate(self, ctx):\n"
        "        return [Finding(dedup_key=i.doc.id, title='long') for i in ctx.items\n"
        "                if len(i.doc.text) >= self.opts['min_chars']]\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = write(tmp_path, "user.yaml", "name: long\ntype: myrules.LongPostRule\noptions: {min_chars: 5}\n")
    from alert_builders import ctx, item
    rule = load_file(path)[0]
    assert [f.title for f in rule.evaluate(ctx([item("一二三四五六"), item("短")]))] == ["long"]
    bad = write(tmp_path, "bad.yaml", "name: x\ntype: json.JSONDecoder\n")
    with pytest.raises(ConfigError, match="not a subclass"):
        load_file(bad)


def test_missing_rules_dir_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="is not a folder"):
        load_rules([tmp_path / "nope"])


def test_builtin_stands_for_the_shipped_rules():
    from pathlib import Path

    from alerts.settings import rules_dirs
    from yuqing.config import load_config
    assert rules_dirs(load_config(None)) == [Path(BUILTIN_RULES_DIR)]
    assert rules_dirs(load_config(None, ["alerts.rules_dirs=[builtin, my/rules]"]))[1] == Path("my/rules")
