"""The client timeline and my tasks."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from wholejourney.accounts.permissions import Permission, has_permission, requires
from wholejourney.care import selectors
from wholejourney.care.client_tabs import AREA_LABELS
from wholejourney.care.models import SessionFormat
from wholejourney.care.permissions import Area, areas_of, may_see_area
from wholejourney.care.views.records import RECORD_KINDS, _may_record
from wholejourney.clients import services as client_services
from wholejourney.clients.selectors import client_get_for
from wholejourney.core.http import AuthedHttpRequest

# --- the timeline and my tasks ---------------------------------------------------------------


@requires(Permission.VIEW_CLIENTS)
def timeline(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Everything done for the client, newest first, each entry only to those who may see its kind."""
    client = client_get_for(user=request.user, pk=pk)
    # One kind of care only (the client header's "Counseling", "Legal", …), when the user may see it.
    asked = request.GET.get("area", "")
    area = Area(asked) if asked in {a.value for a in areas_of(request.user)} else None
    found = selectors.client_timeline(
        user=request.user, client=client, older=request.GET.get("older"), newer=request.GET.get("newer"), area=area
    )
    client_services.client_record_view(actor=request.user, client=client, fields=["timeline"])
    record_links = [
        (reverse(f"care:{kind.name}_new", kwargs={"pk": client.pk}), kind.title)
        for kind in RECORD_KINDS
        if _may_record(request.user, kind, client)
    ]
    if has_permission(request.user, Permission.MANAGE_CASES, obj=client):
        record_links.append((reverse("care:care_plan_new", kwargs={"pk": client.pk}), _("Draft a care plan")))
    context = {
        "client": client,
        "timeline": found,
        "record_links": record_links,
        "may_record_session": has_permission(request.user, Permission.RECORD_COUNSELING, obj=client),
        "currency": client.office.currency,
        "counseling_visible": may_see_area(request.user, Area.COUNSELING, client),
        "group": SessionFormat.GROUP,
        "area": area,
        "area_label": AREA_LABELS.get(area) if area else "",
        "section": f"care-{area.value}" if area else "timeline",
    }
    return render(request, "care/timeline.html", context)
