"""Historical risk-event calendar (风险日历): warnings before predictable risks arrive.

See ``event_calendar/README.md`` for the entry format and how to add one.
"""
from event_calendar.calendar import Calendar
from event_calendar.entries import Entry, Window

__all__ = ["Calendar", "Entry", "Window"]
