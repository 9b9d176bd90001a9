"""Tables other apps add to a report edition beside its figures (saved tables of the table
builder, for one): each app registers what it contributes from its own module, so the report
imports no app. A contribution is computed for the report's period, office and edition, and in
the external edition it has already been through disclosure control (None: a withheld value)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wholejourney.core.models import Office
from wholejourney.reporting.registry import Period


@dataclass
class ReportTable:
    title: str
    header: list[str]
    # The first value of a row is its label; None is a withheld value.
    rows: list[list[Any]]
    note: str = ""
    definition: str = ""
    footer: list[Any] = field(default_factory=list)


Contribution = Callable[..., list[ReportTable]]
_contributions: list[Contribution] = []


def contribute(function: Contribution) -> Contribution:
    """Register `function(*, period, office, edition, threshold) -> list[ReportTable]`."""
    if function not in _contributions:
        _contributions.append(function)
    return function


def tables_for(*, period: Period, office: Office | None, edition: str, threshold: int) -> list[ReportTable]:
    return [
        table
        for function in _contributions
        for table in function(period=period, office=office, edition=edition, threshold=threshold)
    ]
