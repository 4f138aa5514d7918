"""Configuration: every setting declared once, with its default and help; validated at load.

Each package declares its settings in its own ``settings.py`` as a list of :class:`Setting`
(``yuqing/settings.py``, ``crawlers/settings_schema.py``, ``nlp/settings.py``, …; the list of those
modules is :data:`SETTING_MODULES`). ``config.yaml`` has one section per package. Precedence is
default < ``config.yaml`` < ``-s key=value`` on the command line. ``${NAME}`` and
``${NAME:-fallback}`` in string values are read from the environment, so secrets never live in the
repository. A bad file, key or value raises :class:`~yuqing.errors.ConfigError` naming the file,
the key and how to fix it. The loaded :class:`Config` is frozen.
"""
from __future__ import annotations

import difflib
import importlib
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

import yaml

from yuqing.errors import ConfigError

_MISSING = object()

#: Modules that declare settings (``SETTINGS: list[Setting]``). A module that is not installed yet
#: is skipped, so the engine runs with the stages that exist.
SETTING_MODULES = (
    "yuqing.settings",
    "crawlers.settings_schema",
    "nlp.settings",
    "nlp.model_settings",
    "clustering.settings",
    "alerts.settings",
    "event_calendar.settings",
    "case_library.settings",
    "briefings.settings",
    "assessment.settings",
    "dispatch.settings",
    "enterprise.settings",
    "desk.settings",
    "deployment.settings",
)


@dataclass(frozen=True)
class Setting:
    """One setting.

    Attributes:
        name: dotted key (``store.path``); the first part is the section.
        default: value when neither the file nor the command line sets it.
        help: one or two sentences for the documentation and error messages.
        type: ``str``, ``int``, ``float``, ``bool``, ``list``, ``dict`` or ``"path"``.
        choices: allowed values, if the setting is an enumeration.
        check: extra validation; returns an error sentence or ``None``.
        secret: the value is never printed (``yuqing config show`` masks it).
    """

    name: str
    default: Any
    help: str
    type: Any = str
    choices: Optional[Sequence[Any]] = None
    check: Optional[Callable[[Any], Optional[str]]] = None
    secret: bool = False

    def coerce(self, value: Any, where: str) -> Any:
        if value is None:
            return None
        kind = self.type
        try:
            if kind == "path" or kind is str:
                if not isinstance(value, (str, int, float)):
                    raise TypeError
                value = str(value)
            elif kind is bool:
                if isinstance(value, str) and value.lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
                    value = value.lower() in ("true", "yes", "on", "1")
                elif not isinstance(value, bool):
                    raise TypeError
            elif kind is int:
                if isinstance(value, bool):
                    raise TypeError
                value = int(value)
            elif kind is float:
                if isinstance(value, bool):
                    raise TypeError
                value = float(value)
            elif kind is list:
                if not isinstance(value, list):
                    raise TypeError
            elif kind is dict:
                if not isinstance(value, dict):
                    raise TypeError
        except (TypeError, ValueError):
            tname = kind if isinstance(kind, str) else kind.__name__
            raise ConfigError(f"{where}: {self.name} must be a {tname}, not {value!r}. {self.help}") from None
        if self.choices is not None and value not in self.choices:
            raise ConfigError(f"{where}: {self.name} is {value!r}; choose one of "
                              f"{', '.join(map(str, self.choices))}. {self.help}")
        if self.check is not None:
            problem = self.check(value)
            if problem:
                raise ConfigError(f"{where}: {self.name}: {problem}")
        return value


# Checks the settings modules share (``check=positive``), so that one rule reads the same in every
# section's error message. ``coerce`` never calls a check with ``None`` (an empty optional setting).

def positive(value: Any) -> Optional[str]:
    """Counts, sizes, intervals and factors."""
    return None if value > 0 else "must be greater than 0"


def not_negative(value: Any) -> Optional[str]:
    return None if value >= 0 else "must be 0 or more"


def unit(value: Any) -> Optional[str]:
    """Shares, probabilities and cosine similarities."""
    return None if 0.0 <= value <= 1.0 else "must be between 0 and 1"


def zero_or_more(zero_means: str) -> Callable[[Any], Optional[str]]:
    """The check of a setting whose 0 has a meaning of its own (``off``, ``keep forever``)."""
    def check(value: Any) -> Optional[str]:
        return None if value >= 0 else f"must be 0 ({zero_means}) or more"
    return check


def at_least(bound: float, why: str = "") -> Callable[[Any], Optional[str]]:
    """The check of a lower bound other than 0; ``why`` tells the user what the bound protects."""
    message = f"must be at least {bound}" + (f" ({why})" if why else "")

    def check(value: Any) -> Optional[str]:
        return None if value >= bound else message
    return check


def minutes_by_severity(every: bool) -> Callable[[Any], Optional[str]]:
    """The check of a ``{severity: minutes}`` table of deadlines; ``every``: each severity must have one."""
    def check(value: Any) -> Optional[str]:
        from yuqing.records import SEVERITIES

        for key, minutes in value.items():
            if key not in SEVERITIES:
                return f"unknown severity {key!r}; use {', '.join(SEVERITIES)}"
            if not isinstance(minutes, (int, float)) or isinstance(minutes, bool) or minutes <= 0:
                return f"the deadline of {key} must be a positive number of minutes, not {minutes!r}"
        missing = [s for s in SEVERITIES if s not in value] if every else []
        return f"give a deadline for every severity; missing: {', '.join(missing)}" if missing else None
    return check


def settings_params(settings: Iterable[Setting], prefix: str, **names: str) -> Callable[[type], type]:
    """Class decorator: a frozen dataclass of parameters whose fields without a default are settings.

    Field ``f`` stands for setting ``prefix + f`` (``names[f]`` where the names differ) and defaults
    to its declared default, so an object built without a config (a test, a bench) agrees with the
    service. ``from_config(config)``, added unless the class has its own, reads the settings from a
    loaded config (:func:`from_settings`). Fields with a default of their own are not settings.
    """
    declared = {setting.name: setting for setting in settings}

    def decorate(cls: type) -> type:
        own = cls.__dict__.get("__annotations__", {})
        unknown = set(names) - set(own)
        if unknown:
            raise ConfigError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
        for name in own:
            if name in cls.__dict__:
                continue
            key = names.get(name, prefix + name)
            if key not in declared:
                raise ConfigError(f"{cls.__name__}.{name}: setting {key} is not declared in the list given; "
                                  f"declare it in the package's settings.py")
            setattr(cls, name, field(default=declared[key].default, metadata={"setting": key}))
        if "from_config" not in cls.__dict__:
            cls.from_config = classmethod(from_settings)
        return dataclass(frozen=True)(cls)
    return decorate


def from_settings(cls: Any, config: Mapping[str, Any], **given: Any) -> Any:
    """A :func:`settings_params` class with each setting read from ``config``; ``given`` sets the
    other fields (or replaces a setting's value, e.g. with an embedder's calibration)."""
    values = {f.name: config[f.metadata["setting"]] for f in fields(cls) if "setting" in f.metadata}
    return cls(**{**values, **given})


def declared_settings(modules: Iterable[str] = SETTING_MODULES) -> dict[str, Setting]:
    """Every declared setting by name; a name declared twice is a programming error."""
    found: dict[str, Setting] = {}
    for module_name in modules:
        module = importlib.import_module(module_name)  # all installed with the engine (setup.py)
        for setting in getattr(module, "SETTINGS", []):
            if setting.name in found:
                raise ConfigError(f"setting {setting.name} is declared twice (in {module_name})")
            found[setting.name] = setting
    return found


_ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env(value: Any, key: str, where: str, environ: Mapping[str, str]) -> Any:
    """Replace ``${NAME}``/``${NAME:-fallback}`` in strings (recursively in lists and dicts)."""
    if isinstance(value, str):
        def replace(match: re.Match[str]) -> str:
            name, fallback = match.group(1), match.group(2)
            if name in environ:
                return environ[name]
            if fallback is not None:
                return fallback
            raise ConfigError(f"{where}: {key} uses ${{{name}}} but the environment variable {name} is not set; "
                              f"export it, or write ${{{name}:-default}} to give a fallback")
        return _ENV_PATTERN.sub(replace, value)
    if isinstance(value, list):
        return [expand_env(v, f"{key}[{i}]", where, environ) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: expand_env(v, f"{key}.{k}", where, environ) for k, v in value.items()}
    return value


def _flatten(data: Mapping[str, Any], settings: Mapping[str, Setting], prefix: str = "") -> dict[str, Any]:
    """Nested YAML → dotted keys, stopping at declared settings (whose values may be dicts)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if name in settings or not isinstance(value, dict):
            flat[name] = value
        else:
            flat.update(_flatten(value, settings, f"{name}."))
    return flat


def parse_override(text: str) -> tuple[str, Any]:
    """``key=value`` from the command line; the value is read as a YAML scalar."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"-s {text!r}: write overrides as -s key=value, for example -s store.path=x.sqlite")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


class Config(Mapping[str, Any]):
    """The frozen, validated settings: ``config["store.path"]``, ``config.section("store")``."""

    def __init__(self, values: Mapping[str, Any], path: Optional[Path], settings: Mapping[str, Setting],
                 written: Optional[Mapping[str, Any]] = None):
        self._values = MappingProxyType(dict(values))
        self.path = path
        self.settings = MappingProxyType(dict(settings))
        # The values as written, ${ENV} references unexpanded: what a regenerated file must hold.
        self.written = MappingProxyType(dict(written or {}))

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise ConfigError(f"setting {key!r} is not declared; known settings: "
                              f"{', '.join(_close(key, self._values))}") from None

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def section(self, name: str) -> dict[str, Any]:
        """The settings of one section without its prefix: ``section("store")["path"]``."""
        prefix = name + "."
        return {k[len(prefix):]: v for k, v in self._values.items() if k.startswith(prefix)}

    def base_dir(self) -> Path:
        """The folder of the config file (relative paths in config are read from there)."""
        return self.path.parent if self.path else Path.cwd()

    def resolve_path(self, key: str) -> Path:
        """A path setting as an absolute path; relative to the current directory."""
        return Path(os.path.expanduser(str(self[key]))).resolve()

    def redacted(self) -> dict[str, Any]:
        """Every value fit to print: declared secrets, nested tokens/passwords/secrets and credentials
        inside URLs (webhook keys in paths or queries, user:password@) are ``***``."""
        return {k: ("***" if self.settings.get(k) and self.settings[k].secret and v else redact_nested(v, k))
                for k, v in self._values.items()}

    def as_written(self) -> dict[str, Any]:
        """The values with ``${ENV}`` references as the file wrote them (never the secrets they read)."""
        return {k: self.written.get(k, v) for k, v in self._values.items()}


_SECRET_KEY = re.compile(r"(token|secret|password|passwd|api_?key|access_?key|sign(ing)?_?key|credential)", re.I)
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s:]+:[^/@\s]+(?=@)")
_URL_SECRET_QUERY = re.compile(r"(?i)([?&](?:access_token|token|key|secret|sign|signature)=)[^&#\s]+")
_URL_HOOK_PATH = re.compile(r"(?i)(/(?:hook|webhook|robot|bot)s?/(?:v\d+/)?(?:hook/)?)[A-Za-z0-9_\-]{8,}")


def redact_text(text: str) -> str:
    """Credentials inside a URL or a message: ``user:pass@``, ``?access_token=…``, ``/hook/<key>``."""
    text = _URL_CREDENTIALS.sub("***:***", text)
    text = _URL_SECRET_QUERY.sub(r"\1***", text)
    return _URL_HOOK_PATH.sub(r"\1***", text)


def redact_nested(value: Any, key: str = "") -> Any:
    """A value with every secret-like key's value and every URL credential replaced by ``***``."""
    if isinstance(value, dict):
        return {k: ("***" if _SECRET_KEY.search(str(k)) and v not in ("", None) else redact_nested(v, str(k)))
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact_nested(v, key) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def _close(key: str, names: Iterable[str]) -> list[str]:
    names = list(names)
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.6)
    return close or sorted(n for n in names if n.split(".")[0] == key.split(".")[0])[:8] or sorted(names)[:8]


def load_config(path: Optional[os.PathLike[str] | str] = "config.yaml", overrides: Sequence[str] = (),
                environ: Optional[Mapping[str, str]] = None, *, required: bool = False) -> Config:
    """Load, expand and validate the configuration.

    Args:
        path: the YAML file; a missing default file means "all defaults" unless ``required``.
        overrides: ``key=value`` strings from ``-s``.
        environ: the environment for ``${ENV}`` (default ``os.environ``).
        required: the user named this file, so it must exist.
    """
    environ = os.environ if environ is None else environ
    settings = declared_settings()
    raw: dict[str, Any] = {}
    file_path = Path(path) if path else None
    where = str(file_path) if file_path else "(defaults)"
    if file_path is not None:
        if file_path.exists():
            loaded = read_yaml(file_path)
            if loaded is None:
                loaded = {}
            if not isinstance(loaded, dict):
                raise ConfigError(f"{file_path}: the top level must be a mapping of sections (store:, crawl:, …)")
            raw = _flatten(loaded, settings)
        elif required:
            raise ConfigError(f"{file_path}: no such config file; pass --config with an existing file")
        else:
            where = "(defaults)"
    values = {name: s.default for name, s in settings.items()}
    written = {name: value for name, value in raw.items() if _mentions_env(value)}
    sources = {name: where for name in raw}
    for text in overrides:
        key, value = parse_override(text)
        raw[key] = value
        written.pop(key, None)
        sources[key] = f"-s {key}"
    for key, value in raw.items():
        if key not in settings:
            raise ConfigError(f"{sources[key]}: unknown setting {key!r}; did you mean "
                              f"{' or '.join(_close(key, settings))}? (every setting is listed in config.yaml)")
        value = expand_env(value, key, sources[key], environ)
        values[key] = settings[key].coerce(value, sources[key])
    return Config(values, file_path if file_path and file_path.exists() else None, settings, written)


def parse_yaml(text: str, where: str, error: type[Exception] = ConfigError) -> Any:
    """YAML text as data (``None`` when empty); bad YAML raises ``error`` naming ``where`` and the line."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise error(f"{where}{line}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None


def read_yaml(path: os.PathLike[str] | str, error: type[Exception] = ConfigError, missing: str = "") -> Any:
    """The data of a YAML file the user gave (config, rules, calendars, places …), errors raised as
    ``error`` naming the file and, for bad YAML, the line; ``missing`` says what to fix when there is
    no such file (``"fix calendar.files in config.yaml"``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such file" + (f"; {missing}" if missing else "")) from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_yaml(text, str(path), error)


def _mentions_env(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_ENV_PATTERN.search(value))
    if isinstance(value, list):
        return any(_mentions_env(v) for v in value)
    if isinstance(value, dict):
        return any(_mentions_env(v) for v in value.values())
    return False
