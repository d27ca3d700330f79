"""French formatting of numbers and dates for people (Babel, never ``setlocale``)."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

LOCALE = "fr_FR"


def fr_number(value: float | int, digits: int = 0) -> str:
    """A number in French format (narrow no-break space for thousands, comma for decimals)."""
    if isinstance(value, int) and digits == 0:
        return format_decimal(value, locale=LOCALE)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def fr_percent(value: float, digits: int = 1) -> str:
    """A share (0.25) as a French percentage (25,0 %)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    return format_percent(value, format=pattern, locale=LOCALE)


def fr_date(value: dt.date | dt.datetime, fmt: str = "long") -> str:
    """A date in French (« 28 novembre 2026 »)."""
    if isinstance(value, dt.datetime):
        return format_datetime(value, format="d MMMM y 'à' HH:mm", locale=LOCALE)
    return format_date(value, format=fmt, locale=LOCALE)
