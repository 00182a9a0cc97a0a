"""Dates at the precision a source gives: a day, a month or a year.

A year stays a year: "1993" means some day between 1993-01-01 and 1993-12-31, and the
graph records exactly that range, never an invented day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from csto_kg.core.errors import UsageError
from csto_kg.core.namespaces import XSD

XSD_DATE = XSD + "date"
XSD_GYEARMONTH = XSD + "gYearMonth"
XSD_GYEAR = XSD + "gYear"

_PATTERNS = (
    (re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})$", re.ASCII), XSD_DATE),
    (re.compile(r"^(-?\d{4,})-(\d{2})$", re.ASCII), XSD_GYEARMONTH),
    (re.compile(r"^(-?\d{4,})$", re.ASCII), XSD_GYEAR),
)


def precision_of(datatype: str) -> str | None:
    """'day', 'month' or 'year' for the three date datatypes, else None."""
    return {XSD_DATE: "day", XSD_GYEARMONTH: "month", XSD_GYEAR: "year"}.get(datatype)


def bounds(lexical: str, datatype: str) -> tuple[dt.date, dt.date]:
    """First and last day a date literal can mean. Raises ValueError if it is not valid."""
    text = lexical.strip()
    # A time-zone suffix does not change which days a date can mean here.
    text = re.sub(r"(Z|[+-]\d{2}:\d{2})$", "", text)
    for pattern, kind in _PATTERNS:
        if kind != datatype:
            continue
        match = pattern.match(text)
        if not match:
            break
        year = int(match.group(1))
        if kind == XSD_GYEAR:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        month = int(match.group(2))
        if kind == XSD_GYEARMONTH:
            last = calendar.monthrange(year, month)[1]
            return dt.date(year, month, 1), dt.date(year, month, last)
        day = dt.date(year, month, int(match.group(3)))
        return day, day
    raise ValueError(f"{lexical!r} is not a valid {datatype.rsplit('#', 1)[-1]}")


def parse_user_date(text: str) -> tuple[str, str]:
    """Read a date a user typed: YYYY-MM-DD, YYYY-MM or YYYY, or 'today'.

    Returns (lexical form, datatype IRI). Raises UsageError naming the problem.
    """
    value = text.strip()
    if value.lower() == "today":
        return dt.date.today().isoformat(), XSD_DATE
    for pattern, kind in _PATTERNS:
        if pattern.match(value):
            try:
                bounds(value, kind)
            except ValueError:
                break
            return value, kind
    raise UsageError(f"invalid date {text!r}: expected YYYY-MM-DD, YYYY-MM, YYYY or 'today'")
