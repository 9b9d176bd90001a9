"""Records made with one form each, with their lists: campaigns, external meetings, donations, public events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wholejourney.accounts.permissions import requires
from wholejourney.core.forms import service_call
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.programmes import forms as programme_forms
from wholejourney.programmes import selectors, services
from wholejourney.programmes.views.common import RECORD, listing, office_of

# --- campaigns, external meetings, donations, public events ----------------------------------


@dataclass(frozen=True)
class RecordKind:
    """A kind of record made with one form, with its list: /programmes/<slug>/ and …/new/."""

    name: str
    slug: str
    title: str | Promise
    new_title: str | Promise
    form: Callable[[AuthedHttpRequest, Any], forms.Form]
    save: Callable[..., Any]
    records: Callable[[Any], QuerySet[Any]]
    headings: tuple[str | Promise, ...]


def _today(request: AuthedHttpRequest, field: str = "held_on") -> dict[str, Any]:
    return {field: timezone.localdate()} if request.method == "GET" else {}


RECORD_KINDS: tuple[RecordKind, ...] = (
    RecordKind(
        "campaign",
        "campaigns",
        gettext_lazy("Campaigns"),
        gettext_lazy("Record a campaign"),
        lambda request, data: programme_forms.CampaignForm(data, initial=_today(request)),
        services.campaign_record,
        selectors.campaigns_visible_to,
        (
            gettext_lazy("Date"),
            gettext_lazy("Kind"),
            gettext_lazy("Place"),
            gettext_lazy("Topics"),
            gettext_lazy("Women"),
            gettext_lazy("Men"),
            gettext_lazy("Girls"),
            gettext_lazy("Boys"),
        ),
    ),  # fmt: skip
    RecordKind(
        "meeting",
        "meetings",
        gettext_lazy("External meetings"),
        gettext_lazy("Record an external meeting"),
        lambda request, data: programme_forms.ExternalMeetingForm(
            data, staff=selectors.office_staff(request.user), initial=_today(request) | {"attended_by": [request.user]}
        ),
        services.external_meeting_record,
        selectors.external_meetings_visible_to,
        (gettext_lazy("Date"), gettext_lazy("Kind"), gettext_lazy("Who went")),
    ),
    RecordKind(
        "donation",
        "donations",
        gettext_lazy("Donations"),
        gettext_lazy("Record a donation"),
        lambda request, data: programme_forms.DonationForm(
            data, organisations=selectors.partner_organisations(request.user), initial=_today(request, "donated_on")
        ),
        services.donation_record,
        selectors.donations_visible_to,
        (gettext_lazy("Date"), gettext_lazy("Item"), gettext_lazy("Copies"), gettext_lazy("Given to")),
    ),
    RecordKind(
        "event",
        "events",
        gettext_lazy("Public events"),
        gettext_lazy("Record a public event"),
        lambda request, data: programme_forms.PublicEventForm(data, initial=_today(request)),
        services.public_event_record,
        selectors.public_events_visible_to,
        (gettext_lazy("Date"), gettext_lazy("Event"), gettext_lazy("Kind"), gettext_lazy("Attendance")),
    ),
)


def _record_new_view(kind: RecordKind) -> Callable[..., HttpResponse]:
    def view(request: AuthedHttpRequest) -> HttpResponse:
        office = office_of(request)
        form = kind.form(request, request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            with service_call(form) as call:
                kind.save(actor=request.user, office=office, **form.cleaned_data)
            if call.ok:
                messages.success(request, _("Saved."))
                return redirect(f"programmes:{kind.name}_list")
        context = {"form": form, "title": kind.new_title, "back": reverse(f"programmes:{kind.name}_list")}
        return render(request, "programmes/record_form.html", context)

    view.__name__ = view.__qualname__ = f"{kind.name}_new"
    return requires(RECORD)(view)


def _record_list_view(kind: RecordKind) -> Callable[..., HttpResponse]:
    def view(request: AuthedHttpRequest) -> HttpResponse:
        paged = listing(request, kind.records(request.user))
        if kind.name == "campaign":
            labels = dict(programme_forms.CampaignTopic.choices)
            for campaign in paged["page"]:
                campaign.topic_labels = [str(labels.get(topic, topic)) for topic in campaign.topics]
        context = {"kind": kind, "new_url": reverse(f"programmes:{kind.name}_new"), **paged}
        return render(request, "programmes/record_list.html", context)

    view.__name__ = view.__qualname__ = f"{kind.name}_list"
    return requires(RECORD)(view)


NEW_VIEWS = {kind.name: _record_new_view(kind) for kind in RECORD_KINDS}
LIST_VIEWS = {kind.name: _record_list_view(kind) for kind in RECORD_KINDS}
