"""The case's parts of a client's record (core.client_record): the client page's own tabs, and the
case's state in the header."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from wholejourney.cases.models import CaseStatus
from wholejourney.core.client_record import RecordFact, RecordPart, register_fact, register_part


def _tab(key: str) -> Any:
    def url(client: Any) -> str:
        return reverse("clients:detail", kwargs={"pk": client.pk}) + ("" if key == "overview" else f"?tab={key}")

    return url


def _anyone(user: Any, client: Any) -> bool:
    return True  # whoever may open the client page (the page checks)


register_part(RecordPart("overview", gettext_lazy("Overview"), 10, _tab("overview"), _anyone))
register_part(RecordPart("case", gettext_lazy("Case"), 20, _tab("case"), _anyone))
register_part(RecordPart("placements", gettext_lazy("Placements"), 70, _tab("placements"), _anyone))
register_part(RecordPart("referrals", gettext_lazy("Referrals"), 75, _tab("referrals"), _anyone))


def case_state(user: Any, client: Any) -> str:
    case = client.cases.order_by("-opened_on", "-pk").first()
    if case is None:
        return gettext("No case")
    if case.status == CaseStatus.CLOSED and case.closed_on:
        return gettext("Closed on %(date)s") % {"date": date_format(case.closed_on, "SHORT_DATE_FORMAT")}
    return gettext("%(status)s since %(date)s") % {
        "status": case.get_status_display(),
        "date": date_format(case.opened_on, "SHORT_DATE_FORMAT"),
    }


register_fact(RecordFact("case", gettext_lazy("Case"), 10, case_state))
