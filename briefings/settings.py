"""Settings of the briefings (``briefings.`` section of config.yaml)."""
import re

from yuqing.config import Setting, not_negative, positive, zero_or_more


def _time_of_day(value):
    if value == "" or re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", value):
        return None
    return "write the time as HH:MM (for example 08:00), or leave it empty to send no scheduled report"


def _street_lists(value):
    for i, item in enumerate(value):
        if isinstance(item, str) and item.strip():
            continue
        if isinstance(item, list) and item and all(isinstance(s, str) and s.strip() for s in item):
            continue
        return (f"entry {i} must be a street name (民治街道) or a list of street names (one report covering "
                f"them), not {item!r}")
    return None


SETTINGS = [
    Setting("briefings.folder", "data/briefings", "Folder where the scheduled reports' HTML and PDF files are "
            "written (one pair per report, named by the report's id); each report is also kept in the store's "
            "`briefings` collection with its JSON.", type="path"),
    Setting("briefings.daily_at", "", "Time of day (HH:MM, service.timezone) at which `yuqing run` writes the "
            "daily report of the day before for each entry of briefings.streets and sends it with the "
            "notifiers (e-mail with the PDF attached, a short text to chat robots). Empty: no scheduled report.",
            check=_time_of_day),
    Setting("briefings.streets", [], "Who gets a scheduled report: a list whose entries are a street name "
            "(one report for that street) or a list of street names (one report covering them). Empty: one "
            "report over every street. E-mail goes to the notifier's `to` plus the e-mail contacts that "
            "alerts.routing gives the street.", type=list, check=_street_lists),
    Setting("briefings.notifiers", [], "Names of alerts.notifiers that receive scheduled reports; empty: every "
            "configured notifier.", type=list),
    Setting("briefings.check_interval", 300, "Seconds between the service's checks whether a scheduled report "
            "is due (a report missed while the service was down is written at the next check).", type=int,
            check=positive),
    Setting("briefings.today_interval", 0, "Every this many seconds `yuqing run` also writes the daily report of "
            "the day so far for each entry of briefings.streets into the archive (the web UI's 简报 page), replacing "
            "the previous version; it is not sent. 0: off (the report of a day is written once it is over, at "
            "briefings.daily_at).", type=int, check=zero_or_more("off")),
    Setting("briefings.top_incidents", 5, "Incidents described in a daily, weekly or monthly report (the most "
            "severe and largest first).", type=int, check=positive),
    Setting("briefings.quotes", 2, "Representative posts quoted per incident (extractive, masked).", type=int,
            check=not_negative),
    Setting("briefings.calendar_days", 14, "Days ahead for which a report lists the calendar's risk windows.",
            type=int, check=not_negative),
    Setting("briefings.overdue_days", 3, "An alert acknowledged or dispatched but not resolved this many days "
            "after it was raised is listed among the items overdue (督办); an alert still new is overdue once "
            "past its alerts.escalation_minutes deadline.", type=float, check=positive),
]
