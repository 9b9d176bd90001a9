"""The records behind a figure, as rows anyone allowed to see reports may read: record ids, client
codes, dates, kinds and amounts. Rows are read with `values()` over plain columns only, so no name
or other encrypted value is ever fetched, whoever asks: an M&E officer sees codes and dates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Max, Model, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wholejourney.clients.models import Client

# The date that places a record in the period, by the first of these fields the model has.
DATE_FIELDS = (
    "held_on", "provided_on", "opened_on", "surveyed_on", "donated_on", "signed_on", "planned_on", "paid_on",
    "happened_on", "ended_on", "assessed_on", "start", "completed_on",
)  # fmt: skip
# A plain column that says what the record is, when the model has no `kind`.
DETAIL_FIELDS = {
    "organisation": "name",
    "communitygroup": "name",
    "publicevent": "name",
    "husbandwifegroup": "label",
    "donation": "recipient__name",
    "groupplanaction": "topic",
    "participant": "group",
    "attendance": "activity__kind",
    "agreement": "organisation__name",
}
# Where a record finds the client it is about.
CLIENT_PATHS = ("client", "legal_case__client")


@dataclass
class Row:
    id: int
    client_id: int | None
    client_code: str
    date: datetime.date | None
    what: str | Promise
    amount: int | None
    link: str = ""


@dataclass
class Records:
    """A figure's records: the queryset (`values()` rows) and how to read them."""

    model: type[Model]
    rows: QuerySet[Any]
    client_field: str | None
    date_field: str | None
    detail_field: str | None
    sum_of: str | None

    @property
    def date_label(self) -> str | Promise:
        return _("Latest case opened") if self.model is Client else _("Date")

    @property
    def kind_label(self) -> str | Promise:
        return self.model._meta.verbose_name or self.model.__name__

    def size(self) -> int:
        """As many as the figure counts: the rows, or for a sum the sum of their amounts."""
        if self.sum_of:
            return sum(row[self.sum_of] or 0 for row in self.rows)
        return self.rows.count()

    def to_rows(self, values: list[dict[str, Any]]) -> list[Row]:
        return [
            Row(
                id=value["pk"],
                client_id=value.get("client_pk"),
                client_code=value.get("client_code") or "",
                date=value.get("row_date"),
                what=self._display(value.get("detail")),
                amount=value.get(self.sum_of) if self.sum_of else None,
            )
            for value in values
        ]

    def _display(self, raw: Any) -> str | Promise:
        if raw is None:
            return ""
        field_name = (self.detail_field or "").split("__")[-1]
        model: Any = self.model
        for step in (self.detail_field or "").split("__")[:-1]:
            model = model._meta.get_field(step).related_model
        try:
            choices = dict(model._meta.get_field(field_name).flatchoices)
        except Exception:  # noqa: BLE001 (a field without choices shows its raw value)
            choices = {}
        return choices.get(raw, str(raw))


def _has(model: type[Model], path: str) -> bool:
    current: Any = model
    for step in path.split("__"):
        try:
            field = current._meta.get_field(step)
        except Exception:  # noqa: BLE001 (no such field: the path does not apply)
            return False
        current = field.related_model
    return True


def records_of(queryset: QuerySet[Any], sum_of: str | None) -> Records:
    """Describe a metric's records queryset as rows of plain columns."""
    model = queryset.model
    name = model._meta.model_name or ""
    columns: dict[str, Any] = {}
    client_field = None
    date_field = None
    detail_field = None
    if model is Client:
        client_field = "pk"
        columns = {"client_pk": F("pk"), "client_code": F("code"), "row_date": Max("cases__opened_on")}
    else:
        client_field = next((path for path in CLIENT_PATHS if _has(model, path)), None)
        if client_field:
            columns["client_pk"] = F(f"{client_field}__id")
            columns["client_code"] = F(f"{client_field}__code")
        date_field = next((f for f in DATE_FIELDS if _has(model, f)), None)
        if date_field:
            columns["row_date"] = F(date_field)
        detail_field = "kind" if _has(model, "kind") else DETAIL_FIELDS.get(name)
        if detail_field:
            columns["detail"] = F(detail_field)
    fields = ["pk", *columns, *([sum_of] if sum_of else [])]
    ordering = [*queryset.query.order_by, "pk"]
    return Records(
        model=model,
        rows=queryset.annotate(**columns).values(*fields).order_by(*ordering),
        client_field=client_field,
        date_field=date_field,
        detail_field=detail_field,
        sum_of=sum_of,
    )
