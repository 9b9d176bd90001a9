"""Home's glance for those who read the figures (core.due): this year's report, and the
data-quality checks that would make its figures wrong, with how many records each finds."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.core.due import Glance, GlanceRow, register_glance
from wholejourney.core.models import Office
from wholejourney.reporting.quality import data_quality
from wholejourney.reporting.registry import Period


def _reads_figures(user: Any) -> bool:
    """Those whose work is the figures (M&E): they read reports and no client's record. A director
    reads reports too, but starts the day from the office's caseload and approvals."""
    return has_permission(user, Permission.VIEW_REPORTS) and not has_permission(user, Permission.VIEW_CLIENTS)


def figures_and_quality(user: Any, today: datetime.date) -> list[GlanceRow]:
    office = Office.objects.filter(pk=user.office_id).first() if user.office_id is not None else None
    query = f"year={today.year}" + (f"&office={office.code}" if office else "")
    rows = [
        GlanceRow(
            gettext("The report of %(year)s so far") % {"year": today.year},
            None,
            f"{reverse('reporting:report')}?{query}",
        )
    ]
    quality_page = f"{reverse('reporting:quality')}?{query}"
    rows += [
        GlanceRow(str(check.title), check.count, quality_page)
        for check in data_quality(Period.year(today.year), office)
    ]
    return rows


register_glance(Glance("figures", gettext_lazy("Figures and data quality"), 30, _reads_figures, figures_and_quality))
