"""What the table builder adds to a report edition: the office's saved tables marked "in the
report", each computed for the report's period and office, through the report's disclosure
control in the external edition (`reporting.additions`)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from wholejourney.core.models import Office
from wholejourney.reporting import additions
from wholejourney.reporting.models import Edition
from wholejourney.reporting.registry import Period
from wholejourney.tables import engine, present, selectors
from wholejourney.tables.measures import MEASURES, Scope


@additions.contribute
def saved_tables(*, period: Period, office: Office | None, edition: str, threshold: int) -> list[additions.ReportTable]:
    found = []
    for saved in selectors.saved_tables_for_report(office):
        measure = MEASURES.get(saved.measure)
        if measure is None or not all(measure.supports(d) for d in saved.dimensions()):
            continue  # a count or split since retired: the table is left out, never an error
        built = engine.build(measure, saved.dimensions(), Scope(period, (office,) if office else None))
        if edition == Edition.EXTERNAL:
            engine.external(built, threshold)
        lines = present.table_rows(built)
        has_total = built.row_dimension is not None
        found.append(
            additions.ReportTable(
                title=saved.name,
                header=lines[0],
                rows=lines[1:-1] if has_total else lines[1:],
                footer=lines[-1] if has_total else [],
                note=_("%(count)s, %(period)s") % {"count": measure.label, "period": period.label()},
            )
        )
    return found
