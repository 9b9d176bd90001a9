"""Saved tables for the access tests."""

from __future__ import annotations

from wholejourney.conftest import Cast
from wholejourney.reporting.registry import Period
from wholejourney.tables import services
from wholejourney.tables.models import SavedTable


def kh_saved_table(cast: Cast) -> SavedTable:
    return services.saved_table_save(
        actor=cast.me_officer,
        name="Survivors by sex",
        measure="clients_supported",
        rows="sex",
        columns="",
        offices=["KH"],
        period=Period.year(2023),
    )
