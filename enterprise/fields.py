"""The fields of an indicator row (``yuqing indicators import``), named once.

Their own module because the setting ``enterprise.columns`` checks its keys against them and
:mod:`enterprise.indicators` reads rows with that setting's defaults: with the names in either of
those two, each would import the other.
"""

#: the row's identity and descriptive fields
TEXT = ("code", "name", "street", "period", "industry", "address", "aliases")
#: the monthly counts and amounts (non-negative numbers)
NUMERIC = ("headcount", "contributions_paid", "contributions_owed", "power_kwh", "water_m3", "tickets",
           "inspections")
FIELDS = TEXT + NUMERIC
