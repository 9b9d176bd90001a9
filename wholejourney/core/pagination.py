"""Paging long lists of wide rows."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class KeysFirstPaginator(Paginator):
    """A paginator for long querysets of wide rows (encrypted columns, joins, annotations).

    A page's primary keys come from a narrow query, so the database sorts and skips keys rather
    than whole rows; the page's rows, with their joins and annotations, then come from a second
    query for those keys only. Two queries for any page of any list, and the annotations are
    computed for the rows shown, not for every row before the sort (benchmarks/caseload.py).
    """

    def page(self, number: Any) -> Page:
        if not isinstance(self.object_list, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=keys)}
        # A row removed between the two queries is left out rather than failing the page.
        return self._get_page([rows[key] for key in keys if key in rows], number, self)  # type: ignore[attr-defined]
