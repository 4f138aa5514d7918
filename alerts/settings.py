"""Settings of the ``alerts`` section."""
from pathlib import Path

from yuqing.config import Setting, minutes_by_severity, not_negative, positive
from yuqing.records import SEVERITIES

#: The example rules shipped with the engine.
BUILTIN_RULES_DIR = str(Path(__file__).with_name("rules.d"))


def rules_dirs(config) -> list[Path]:
    """The configured rule folders, ``builtin`` standing for the shipped examples."""
    return [Path(BUILTIN_RULES_DIR if str(d) == "builtin" else d) for d in config["alerts.rules_dirs"]]


def _list_of_dicts(value):
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            return f"entry {i} must be a mapping (street/category/department/contacts), not {item!r}"
    return None


SETTINGS = [
    Setting("alerts.enabled", True, "Evaluate the alert rules in `yuqing run`.", type=bool),
    Setting("alerts.rules_dirs", ["builtin"], "Folders of rule files (*.yaml); every file is validated against the "
            "rule schema at load. `builtin` is the example rules shipped in alerts/rules.d; relative folders are read "
            "from the current directory.", type=list),
    Setting("alerts.rules_only", [], "If not empty, only the rules with these names are evaluated.", type=list),
    Setting("alerts.batch_size", 2000, "New analysed documents read per evaluation cycle.", type=int, check=positive),
    Setting("alerts.overlap_minutes", 120, "Documents published up to this long before the last cycle's newest "
            "are looked at again, so a document that arrives late is still evaluated (once).", type=int,
            check=positive),
    Setting("alerts.backfill_hours", 48, "Documents stored late (a hotline export or a shared rescue sheet imported "
            "now, a source that was down) are evaluated once when published within this many hours before now, "
            "whatever the watermark; older ones only inform baselines and raise no alert. 0 turns backfill off.",
            type=int, check=not_negative),
    Setting("alerts.pending_minutes", 360, "How long a stored document without an analysis is waited for before "
            "rules see it on its text alone.", type=int, check=positive),
    Setting("alerts.one_card_per_incident", True, "Every rule that fires on an incident (growth, sentiment "
            "shift, precedent), and every rule whose posts mostly belong to one incident (a keyword, harmful posts, a "
            "street's frequency), updates one card for that incident, with every rule's reasons and the strongest "
            "colour, instead of a card per rule. Requests for help keep a card each.", type=bool),
    Setting("alerts.realert_minutes", 60, "An open alert updated with new evidence is notified again only after "
            "this long (or at once when its severity rises). A rule may set its own `realert_minutes`.",
            type=int, check=positive),
    Setting("alerts.silences", [], "Silenced alerts: a list of {rule, street, category, until, reason}; an alert "
            "matching every given key is kept but not notified until `until` (ISO time).", type=list,
            check=_list_of_dicts),
    Setting("alerts.routing", [], "Routing table, first match wins: a list of {streets: [...], categories: [...], "
            "department, contacts: [...], notifiers: [...]}; an entry without streets/categories matches all.",
            type=list, check=_list_of_dicts),
    Setting("alerts.default_department", "街道应急办", "Department of an alert that no routing entry matches."),
    Setting("alerts.escalation_minutes", {"red": 15, "orange": 60, "yellow": 240, "blue": 1440},
            "Minutes an alert may stay unacknowledged (state new) before it escalates, by severity.", type=dict,
            check=minutes_by_severity(every=False)),
    Setting("alerts.escalation_contacts", [], "Who an escalation is sent to (added to the route's contacts), e.g. "
            "the street office's duty leader.", type=list),
    Setting("alerts.notifiers", {}, "Notifiers by name: {name: {type: webhook|email|wecom|dingtalk|feishu, ...options}}; "
            "secrets as ${ENV}.", type=dict),
    Setting("alerts.notify_min_severity", "blue", "Alerts below this severity are queued but not notified.",
            choices=SEVERITIES),
    Setting("alerts.delivery_attempts", 3, "Attempts per notifier per cycle before the delivery is left for the "
            "next cycle.", type=int, check=positive),
    Setting("alerts.delivery_backoff_seconds", 1.0, "First wait between delivery attempts; doubles each time.",
            type=float),
    Setting("alerts.delivery_timeout_seconds", 10.0, "Timeout of one delivery attempt.", type=float, check=positive),
    Setting("alerts.delivery_max_cycles", 50, "A delivery still failing after this many cycles is marked failed "
            "(the alert stays in the queue).", type=int, check=positive),
    Setting("alerts.case_lookups_per_cycle", 20, "Most case-library look-ups (one embedding each) per cycle; "
            "incidents past it are looked up next cycle, so a burst of new incidents cannot stall alerting.",
            type=int, check=positive),
    Setting("alerts.similar_cases", 3, "Similar past cases attached to an incident's alert (0: none).", type=int),
]
