"""Plugin registries: short name → class, with a dotted-path fallback for user plugins.

One :class:`Registry` per kind (spiders, rules, notifiers, classifiers, stages). Built-ins register
with the :meth:`Registry.register` decorator; a user names their own class in config by dotted path
(``mypackage.rules.MyRule``) and it is imported and checked against the kind's base class.
"""
from __future__ import annotations

import importlib
from typing import Callable, Generic, Iterator, TypeVar

from yuqing.errors import PluginError

T = TypeVar("T")


class Registry(Generic[T]):
    """Short names for one kind of plugin.

    Args:
        kind: what the plugins are, for messages ("rule", "notifier").
        base: the class every plugin of this kind must subclass.
        builtin_modules: modules imported on first lookup so that their ``@register`` runs.
    """

    def __init__(self, kind: str, base: type, builtin_modules: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.base = base
        self._builtin_modules = builtin_modules
        self._loaded = False
        self._classes: dict[str, type] = {}

    def register(self, name: str) -> Callable[[type], type]:
        def decorator(cls: type) -> type:
            if not issubclass(cls, self.base):
                raise PluginError(f"{self.kind} {name!r}: {cls.__qualname__} is not a {self.base.__qualname__}")
            self._classes[name] = cls
            cls.plugin_name = name  # type: ignore[attr-defined]
            return cls
        return decorator

    def _load_builtins(self) -> None:
        if not self._loaded:
            self._loaded = True
            for module in self._builtin_modules:
                importlib.import_module(module)

    def names(self) -> list[str]:
        self._load_builtins()
        return sorted(self._classes)

    def __iter__(self) -> Iterator[tuple[str, type]]:
        self._load_builtins()
        return iter(sorted(self._classes.items()))

    def get(self, name: str) -> type:
        """The class for a short name or a dotted path; :class:`PluginError` names the choices."""
        self._load_builtins()
        if name in self._classes:
            return self._classes[name]
        if "." not in name:
            raise PluginError(
                f"unknown {self.kind} {name!r}; built-in {self.kind}s are: {', '.join(self.names())}; "
                f"a plugin of your own is named by its dotted path (package.module.Class)")
        module_name, _, attr = name.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise PluginError(f"{self.kind} {name!r} cannot be imported: {exc}") from None
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise PluginError(f"{self.kind} {name!r} is not a subclass of {self.base.__module__}.{self.base.__qualname__}")
        return cls
