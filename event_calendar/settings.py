"""Settings of the event calendar (``calendar.`` section of config.yaml)."""
from yuqing.config import Setting, at_least, positive


_at_least_one = at_least(1.0, "a window never lowers sensitivity")


def _probability(value):
    return None if 0 < value < 1 else "must be between 0 and 1, for example 0.01"


SETTINGS = [
    Setting("calendar.shipped", True, "Load the calendar that ships with the engine "
            "(event_calendar/data/calendar.yaml: festivals, holidays, flood and typhoon seasons, exams).",
            type=bool),
    Setting("calendar.files", [], "More calendar YAML files of your own (same format as the shipped one); "
            "entries with the same name as a shipped entry replace it.", type=list),
    Setting("calendar.projects", [], "Project YAML files (as given to `yuqing assess`) whose `milestones:` "
            "become calendar windows.", type=list),
    Setting("calendar.warning_days", 14, "The daily job warns of windows opening within this many days "
            "(or within an entry's own `lead`, if longer).", type=int, check=positive),
    Setting("calendar.max_sensitivity", 3.0, "Upper bound of the sensitivity factor a day can get from "
            "its open windows (the largest factor applies; factors are not multiplied).", type=float,
            check=_at_least_one),
    Setting("calendar.anniversaries", True, "Turn case-library cases with a full start date into yearly "
            "anniversary (周年) windows.", type=bool),
    Setting("calendar.anniversary_cities", [], "Only cases in these cities give anniversaries (for example "
            "[深圳市]); empty means every case.", type=list),
    Setting("calendar.anniversary_marks", [1, 5, 10, 20, 30], "Which anniversaries give a window (years after "
            "the case); empty means every year.", type=list),
    Setting("calendar.anniversary_sensitivity", 1.2, "Sensitivity factor of an anniversary window.",
            type=float, check=_at_least_one),
    Setting("calendar.learn.years", 5, "How many past years `yuqing calendar learn` reads.", type=int,
            check=positive),
    Setting("calendar.learn.min_years", 3, "A learned peak must recur in at least this many distinct years.",
            type=int, check=positive),
    Setting("calendar.learn.alpha", 0.01, "Significance level of the binomial test against the base rate "
            "(Bonferroni-corrected over every category × street × period tested).", type=float,
            check=_probability),
    Setting("calendar.learn.min_ratio", 2.0, "A learned peak must have at least this many times the events "
            "its period's length would predict.", type=float, check=_at_least_one),
]
