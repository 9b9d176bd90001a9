"""Forms of the table builder: what to count, split how, where and when; a name to save it
under. They check shape; services check the rules (and the selectors, what is in reach)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wholejourney.core.models import Office
from wholejourney.reporting.forms import ReportQueryForm
from wholejourney.reporting.models import Edition
from wholejourney.reporting.registry import Period
from wholejourney.tables.measures import DIMENSIONS, MEASURES


class OfficesField(forms.MultipleChoiceField):
    """Office codes: one out of the user's reach is not a form error but a 404 (`selectors.scope_for`),
    as an office out of reach is on the report's pages."""

    def valid_value(self, value: Any) -> bool:
        return isinstance(value, str) and len(value) <= 8


class TableForm(ReportQueryForm):
    """A table: a count, up to two dimensions, offices and a period (a year, a quarter or two dates)."""

    measure = forms.ChoiceField(label=_("Count"))
    # "Rows" elsewhere counts a file's rows: here it names what the rows of a table are.
    rows = forms.ChoiceField(label=pgettext_lazy("table dimension", "Rows"), required=False)
    columns = forms.ChoiceField(label=pgettext_lazy("table dimension", "Columns"), required=False)
    offices = OfficesField(
        label=_("Offices"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every office you see."),
    )

    field_order = ["measure", "rows", "columns", "offices", "year", "quarter", "date_from", "date_to", "edition"]

    def __init__(self, *args: Any, offices: list[Office], **kwargs: Any) -> None:
        super().__init__(*args, offices=offices, all_offices=False, **kwargs)
        del self.fields["office"]
        self.fields["measure"].choices = [(m.id, m.label) for m in MEASURES.values()]  # type: ignore[attr-defined]
        dimensions = [("", _("(none)")), *((d.id, d.label) for d in DIMENSIONS.values())]
        self.fields["rows"].choices = dimensions  # type: ignore[attr-defined]
        self.fields["columns"].choices = dimensions  # type: ignore[attr-defined]
        self.fields["offices"].choices = [(office.code, office.name) for office in offices]  # type: ignore[attr-defined]
        self.order_fields(self.field_order)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        measure = MEASURES.get(data.get("measure") or "")
        rows, columns = data.get("rows") or "", data.get("columns") or ""
        if columns and not rows:
            rows, columns = columns, ""
        if rows and rows == columns:
            self.add_error("columns", _("Choose columns different from the rows."))
        if measure is not None:
            for name, dimension in (("rows", rows), ("columns", columns)):
                if dimension and not measure.supports(dimension):
                    self.add_error(
                        name,
                        _("%(measure)s cannot be split by %(dimension)s.")
                        % {"measure": measure.label, "dimension": DIMENSIONS[dimension].label},
                    )
        data["rows"], data["columns"] = rows, columns
        data["dimensions"] = [dimension for dimension in (rows, columns) if dimension]
        return data


class SaveTableForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    in_report = forms.BooleanField(
        label=_("Show in the report"),
        required=False,
        help_text=_("The report of the office shows it, counted for the report's period."),
    )


def table_query(
    *, measure: str, dimensions: list[str], offices: list[str], period: Period, edition: str = "", **extra: Any
) -> str:
    """The query string that names a table."""
    params: list[tuple[str, Any]] = [("measure", measure)]
    if dimensions:
        params.append(("rows", dimensions[0]))
    if len(dimensions) > 1:
        params.append(("columns", dimensions[1]))
    params += [("offices", code) for code in offices]
    params += [("date_from", period.start.isoformat()), ("date_to", period.end.isoformat())]
    if edition and edition != Edition.INTERNAL:
        params.append(("edition", edition))
    params += [(key, value) for key, value in extra.items() if value not in ("", None)]
    return urlencode(params)
