"""Dates as people read them, in messages built outside templates."""

from __future__ import annotations

import datetime

from django.utils.formats import date_format


def shown(day: datetime.date) -> str:
    """A date in the active language's short format (dd/mm/yyyy here), for error messages."""
    return date_format(day, "SHORT_DATE_FORMAT")
