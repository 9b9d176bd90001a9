"""The outcomes part of a client's record (core.client_record): the assessments and the stability
clock, and the clock's state in the header."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from wholejourney.core.client_record import RecordFact, RecordPart, register_fact, register_part
from wholejourney.outcomes.models import ClockState
from wholejourney.outcomes.selectors import clock_today

register_part(
    RecordPart(
        "outcomes",
        gettext_lazy("Outcomes and clock"),
        50,
        lambda client: reverse("outcomes:client", kwargs={"pk": client.pk}),
        lambda user, client: True,  # everyone who may open the client (the outcomes page checks)
    )
)


def clock_state(user: Any, client: Any) -> str:
    clock = clock_today(client)
    if clock.state == ClockState.State.WHOLE and clock.whole_on:
        return gettext("Whole since %(date)s") % {"date": date_format(clock.whole_on, "SHORT_DATE_FORMAT")}
    if clock.state == ClockState.State.RUNNING and clock.run_started_on and clock.whole_on:
        return gettext("Running since %(start)s, whole on %(end)s if stable") % {
            "start": date_format(clock.run_started_on, "SHORT_DATE_FORMAT"),
            "end": date_format(clock.whole_on, "SHORT_DATE_FORMAT"),
        }
    return gettext("Not started")


register_fact(RecordFact("clock", gettext_lazy("Stability clock"), 20, clock_state))
