"""Rule types, registered by short name; a user's own rule type is named by dotted path."""
from alerts.rules.base import EvalContext, Finding, Item, Rule, RuleSpec
from yuqing.registry import Registry

RULE_TYPES: Registry[Rule] = Registry("rule type", Rule, builtin_modules=tuple(
    f"alerts.rules.{name}" for name in (
        "keyword", "frequency", "spike", "new_term", "sentiment_shift", "rescue_request", "harmful_info",
        "incident_growth", "calendar_window", "case_match", "source_health", "enterprise_risk")))

__all__ = ["RULE_TYPES", "EvalContext", "Finding", "Item", "Rule", "RuleSpec"]
