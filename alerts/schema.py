"""Rule files: YAML validated against a JSON schema, with errors naming the file, the key and the fix.

A rule file holds one rule (a mapping with ``name`` and ``type``) or several (``rules: [...]``).
The common keys are checked by :data:`RULE_SCHEMA`; a rule type's own keys under ``options`` by the
schema its class declares (``options``/``required_options``), so a misspelt option is refused.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import jsonschema

from alerts.rules import RULE_TYPES, Rule, RuleSpec
from alerts.rules.base import MATCH_SCHEMA
from yuqing.config import read_yaml
from yuqing.errors import ConfigError, PluginError
from yuqing.records import SEVERITIES

RULE_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["name", "type"],
    "properties": {
        "name": {"type": "string", "pattern": r"^[\w\-.]+$"},
        "type": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "enabled": {"type": "boolean"},
        "severity": {"enum": list(SEVERITIES)},
        "max_severity": {"enum": list(SEVERITIES)},
        "realert_minutes": {"type": "integer", "minimum": 0},
        "match": MATCH_SCHEMA,
        "options": {"type": "object"},
    },
}

FIXES = {
    "additionalProperties": "remove it or fix its spelling (alerts/README.md lists every option)",
    "required": "add it",
    "enum": "use one of the allowed values",
    "type": "give a value of the right type",
    "pattern": "use letters, digits, '-', '_' or '.'",
}


def _problem(error: jsonschema.ValidationError, where: str, prefix: str = "") -> ConfigError:
    path = [str(p) for p in error.absolute_path]
    message = error.message
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        path.append(extra[0] if extra else "")
        message = f"unknown key; allowed keys here: {', '.join(allowed)}"
    elif error.validator == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        path.append(missing[0] if missing else "")
        message = "this key is required"
    key = prefix + ".".join(p for p in path if p) if path else prefix.rstrip(".")
    fix = FIXES.get(error.validator, "see alerts/README.md")
    return ConfigError(f"{where}: key '{key or '(top level)'}': {message}; {fix}")


def _validate(instance: Any, schema: dict, where: str, prefix: str = "") -> None:
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(instance), key=lambda e: list(e.path))
    if errors:
        raise _problem(jsonschema.exceptions.best_match(errors), where, prefix)


def options_schema(cls: type[Rule]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": cls.options,
            "required": list(cls.required_options)}


def build_rule(data: dict[str, Any], where: str) -> Rule:
    """Validate one rule mapping and build its rule object."""
    _validate(data, RULE_SCHEMA, where)
    name = data["name"]
    try:
        cls = RULE_TYPES.get(data["type"])
    except PluginError as exc:
        raise ConfigError(f"{where}: rule {name}: key 'type': {exc}") from None
    options = data.get("options") or {}
    _validate(options, options_schema(cls), f"{where}: rule {name}", "options.")
    spec = RuleSpec(name=name, type=data["type"], severity=data.get("severity", "yellow"),
                    description=data.get("description", ""), enabled=data.get("enabled", True),
                    realert_minutes=data.get("realert_minutes"), max_severity=data.get("max_severity", "red"),
                    match=data.get("match") or {}, options=options, file=where)
    return cls(spec)


def load_file(path: Path) -> list[Rule]:
    """The rules of one YAML file."""
    data = read_yaml(path)
    if isinstance(data, dict) and "rules" in data:
        items = data["rules"]
        if not isinstance(items, list):
            raise ConfigError(f"{path}: key 'rules' must be a list of rules")
        return [build_rule(item if isinstance(item, dict) else {}, f"{path} rules[{i}]")
                for i, item in enumerate(items)]
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a rule file is a mapping with name and type (or a list under 'rules:')")
    return [build_rule(data, str(path))]


def load_rules(dirs: Iterable[str | Path], only: Iterable[str] = ()) -> list[Rule]:
    """Every enabled rule in the folders (``*.yaml``/``*.yml``, sorted); names must be unique."""
    rules: dict[str, Rule] = {}
    for folder in dirs:
        folder = Path(folder)
        if not folder.is_dir():
            raise ConfigError(f"alerts.rules_dirs: {folder} is not a folder; create it or fix the setting")
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            for rule in load_file(path):
                if rule.name in rules:
                    raise ConfigError(f"{path}: rule name {rule.name!r} is also used in {rules[rule.name].spec.file}; "
                                      f"rule names must be unique")
                rules[rule.name] = rule
    only = set(only)
    return [r for r in rules.values() if r.spec.enabled and (not only or r.name in only)]
