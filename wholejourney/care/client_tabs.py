"""The care parts of a client's record (core.client_record): the timeline with its "Record…" actions,
and the same timeline by kind of care — care plans and visits, counseling, legal, education,
economic — each shown only to those whose role may see that kind."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from wholejourney.care.permissions import Area, areas_of
from wholejourney.core.client_record import RecordPart, register_part

# The timeline of one kind of care: (area, label, order).
AREA_PARTS = (
    (Area.CASEWORK, gettext_lazy("Care plans and visits"), 35),
    (Area.COUNSELING, gettext_lazy("Counseling"), 40),
    (Area.LEGAL, gettext_lazy("Legal"), 42),
    (Area.EDUCATION, gettext_lazy("Education"), 44),
    (Area.ECONOMIC, gettext_lazy("Economic empowerment"), 46),
)

AREA_LABELS = {area: label for area, label, _order in AREA_PARTS}


def _timeline_url(area: Area | None) -> Any:
    def url(client: Any) -> str:
        base = reverse("care:timeline", kwargs={"pk": client.pk})
        return f"{base}?area={area.value}" if area else base

    return url


def _sees(area: Area | None) -> Any:
    # By role only: the timeline itself shows each kind only within the user's caseload.
    def shown_to(user: Any, client: Any) -> bool:
        granted = areas_of(user)
        return bool(granted) if area is None else area in granted

    return shown_to


register_part(RecordPart("timeline", gettext_lazy("Timeline"), 30, _timeline_url(None), _sees(None)))
for _area, _label, _order in AREA_PARTS:
    register_part(RecordPart(f"care-{_area.value}", _label, _order, _timeline_url(_area), _sees(_area)))
