"""The table builder's pages: build a table (count, rows, columns, offices, period), see it with
its chart, open a cell's records, save it under a name, rerun a saved table for another period,
take it away as a spreadsheet or CSV file.

Every page needs VIEW_REPORTS (directors and M&E officers); offices out of reach are 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import requires
from wholejourney.accounts.roles import Permission
from wholejourney.core.forms import service_call
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.reporting.models import Edition
from wholejourney.reporting.registry import Period
from wholejourney.reporting.selectors import with_links
from wholejourney.tables import engine, present, selectors, services
from wholejourney.tables.forms import SaveTableForm, TableForm, table_query
from wholejourney.tables.measures import MEASURES, Measure, Scope
from wholejourney.tables.models import SavedTable

ROWS_PER_PAGE = 100


class Asked:
    """A table as the query string names it, once checked: measure, dimensions, scope, edition."""

    def __init__(self, form: TableForm, scope: Scope) -> None:
        data = form.cleaned_data
        self.form = form
        self.measure: Measure = MEASURES[data["measure"]]
        self.dimensions: list[str] = data["dimensions"]
        self.scope = scope
        self.period: Period = data["period"]
        self.edition: str = data["edition"]
        self.offices = selectors.office_codes(scope)

    def query(self, **extra: Any) -> str:
        return table_query(
            measure=self.measure.id,
            dimensions=self.dimensions,
            offices=self.offices,
            period=self.period,
            edition=self.edition,
            **extra,
        )

    def build(self) -> engine.Built:
        built = engine.build(self.measure, self.dimensions, self.scope)
        if self.edition == Edition.EXTERNAL:
            engine.external(built, present.threshold_of(self.scope))
        return built


def _form(request: AuthedHttpRequest, data: QueryDict | dict[str, Any] | None) -> TableForm:
    return TableForm(data, offices=list(selectors.offices_for_tables(request.user)))


def _asked(request: AuthedHttpRequest, data: QueryDict) -> tuple[TableForm, Asked | None]:
    form = _form(request, data)
    if not data.get("measure") or not form.is_valid():
        return form, None
    scope = selectors.scope_for(request.user, form.cleaned_data["offices"], form.cleaned_data["period"])
    return form, Asked(form, scope)


def _page(request: AuthedHttpRequest, form: TableForm, asked: Asked | None, **context: Any) -> HttpResponse:
    built = asked.build() if asked else None
    return render(
        request,
        "tables/builder.html",
        {
            "form": form,
            "asked": asked,
            "table": built,
            "charts": present.chart_of(built) if built else [],
            "saved": selectors.saved_tables_visible_to(request.user),
            **context,
        },
    )


@requires(Permission.VIEW_REPORTS)
def builder(request: AuthedHttpRequest) -> HttpResponse:
    """The builder: the form, and once a count is chosen, the table with its chart."""
    form, asked = _asked(request, request.GET)
    if not request.GET:
        form = _form(request, None)
    return _page(request, form, asked, save_form=SaveTableForm() if asked else None)


@require_POST
@requires(Permission.VIEW_REPORTS)
def save(request: AuthedHttpRequest) -> HttpResponse:
    """Save the table the page shows under a name."""
    form, asked = _asked(request, request.POST)
    if asked is None:
        raise Http404
    save_form = SaveTableForm(request.POST)
    if save_form.is_valid():
        with service_call(save_form) as call:
            saved = services.saved_table_save(
                actor=request.user,
                name=save_form.cleaned_data["name"],
                measure=asked.measure.id,
                rows=asked.dimensions[0] if asked.dimensions else "",
                columns=asked.dimensions[1] if len(asked.dimensions) > 1 else "",
                offices=asked.offices,
                period=asked.period,
                in_report=save_form.cleaned_data["in_report"],
            )
        if call.ok:
            messages.success(request, _("The table is saved."))
            return redirect("tables:saved", pk=saved.pk)
    return _page(request, form, asked, save_form=save_form)


def _saved_query(table: SavedTable, request: AuthedHttpRequest) -> QueryDict:
    """The saved table's definition, with the period (and edition) the page asks for, if any."""
    query = QueryDict(mutable=True)
    query["measure"] = table.measure
    query["rows"], query["columns"] = table.rows, table.columns
    query.setlist("offices", list(table.offices))
    asks_period = any(request.GET.get(key) for key in ("year", "date_from", "date_to"))
    for key in ("year", "quarter", "date_from", "date_to") if asks_period else ():
        query[key] = request.GET.get(key, "")
    if not asks_period:
        # A year or a quarter is shown as one, so that another year is one field to change.
        period = Period(table.period_start, table.period_end)
        year = Period.year(table.period_start.year)
        quarters = {Period.quarter(year.start.year, q): q for q in (1, 2, 3, 4)}
        if period == year:
            query["year"] = str(year.start.year)
        elif period in quarters:
            query["year"], query["quarter"] = str(year.start.year), str(quarters[period])
        else:
            query["date_from"], query["date_to"] = table.period_start.isoformat(), table.period_end.isoformat()
    query["edition"] = request.GET.get("edition", "")
    return query


@requires(Permission.VIEW_REPORTS)
def saved(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A saved table, rerun for its period or another one."""
    table = selectors.saved_table_get_for(user=request.user, pk=pk)
    form, asked = _asked(request, _saved_query(table, request))
    if asked is None:
        raise Http404
    edit_form = SaveTableForm(initial={"name": table.name, "in_report": table.in_report})
    return _page(request, form, asked, saved_table=table, edit_form=edit_form)


@require_POST
@requires(Permission.VIEW_REPORTS)
def saved_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Rename a saved table, choose whether the report shows it, or save it for the period shown."""
    table = selectors.saved_table_get_for(user=request.user, pk=pk)
    edit_form = SaveTableForm(request.POST)
    period = Period(table.period_start, table.period_end)
    if request.POST.get("date_from") and request.POST.get("date_to"):
        query = _saved_query(table, request)
        query["date_from"], query["date_to"] = request.POST["date_from"], request.POST["date_to"]
        form = _form(request, query)
        if form.is_valid():
            period = form.cleaned_data["period"]
    if edit_form.is_valid():
        with service_call(edit_form) as call:
            services.saved_table_save(
                actor=request.user,
                name=edit_form.cleaned_data["name"],
                measure=table.measure,
                rows=table.rows,
                columns=table.columns,
                offices=list(table.offices),
                period=period,
                in_report=edit_form.cleaned_data["in_report"],
                table=table,
            )
        if call.ok:
            messages.success(request, _("The table is saved."))
            return redirect("tables:saved", pk=table.pk)
    form, asked = _asked(request, _saved_query(table, request))
    return _page(request, form, asked, saved_table=table, edit_form=edit_form)


@require_POST
@requires(Permission.VIEW_REPORTS)
def saved_delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    table = selectors.saved_table_get_for(user=request.user, pk=pk)
    with service_call() as call:
        services.saved_table_delete(actor=request.user, table=table)
    if call.ok:
        messages.success(request, _("The table is deleted."))
    return redirect("tables:builder")


@requires(Permission.VIEW_REPORTS)
def cell(request: AuthedHttpRequest) -> HttpResponse:
    """The records counted in a cell (or a row's or column's total): codes, dates, ids, never a
    name. Audited, as the report's drill-down is."""
    _form_, asked = _asked(request, request.GET)
    if asked is None:
        raise Http404
    keys = [request.GET.get("row", engine.ALL), request.GET.get("column", engine.ALL)][: len(asked.dimensions)]
    records = selectors.cell_records(measure=asked.measure, dimensions=asked.dimensions, scope=asked.scope, keys=keys)
    services.table_drilldown_record(
        actor=request.user,
        measure=asked.measure.id,
        dimensions=asked.dimensions,
        keys=keys,
        offices=asked.offices,
        period=asked.period,
    )
    page = Paginator(records.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = with_links(request.user, records.to_rows(list(page.object_list)))
    labels = []
    for dimension_id, key in zip(asked.dimensions, keys, strict=False):
        if key != engine.ALL:
            dimension = engine.DIMENSIONS[dimension_id]
            labels.append(f"{dimension.label}: {dimension.label_of(key, asked.scope)}")
    asked.edition = Edition.INTERNAL
    return render(
        request,
        "tables/cell.html",
        {
            "asked": asked,
            "labels": labels,
            "records": records,
            "page": page,
            "rows": rows,
            "back": reverse("tables:builder") + "?" + asked.query(),
            "page_query": asked.query(row=request.GET.get("row", ""), column=request.GET.get("column", "")),
        },
    )


@requires(Permission.VIEW_REPORTS)
def download(request: AuthedHttpRequest) -> HttpResponse:
    """The table as a spreadsheet or CSV file, in the edition asked for. Audited as an export."""
    _form_, asked = _asked(request, request.GET)
    file_format = request.GET.get("format", "xlsx")
    if asked is None or file_format not in ("xlsx", "csv"):
        raise Http404
    built = asked.build()
    services.table_export_record(
        actor=request.user,
        measure=asked.measure.id,
        dimensions=asked.dimensions,
        offices=asked.offices,
        period=asked.period,
        edition=asked.edition,
        format=file_format,
    )
    name = f"table-{asked.measure.id}-{asked.period.start:%Y%m%d}-{asked.period.end:%Y%m%d}-{asked.edition}"
    title = str(asked.measure.label)
    if file_format == "csv":
        response = HttpResponse(present.csv_text(built), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            present.xlsx(built, title),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response
