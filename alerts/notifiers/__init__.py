"""Notifiers, registered by short name; a user's own notifier is named by dotted path."""
from alerts.notifiers.base import DeliveryError, Notifier
from yuqing.registry import Registry

NOTIFIERS: Registry[Notifier] = Registry("notifier", Notifier, builtin_modules=tuple(
    f"alerts.notifiers.{name}" for name in ("webhook", "email", "wecom", "dingtalk", "feishu")))

__all__ = ["NOTIFIERS", "DeliveryError", "Notifier"]
