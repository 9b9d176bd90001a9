"""The notification centre: the header's count, the list, opening an item, and the settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import Permission, has_permission, requires
from wholejourney.core.forms import service_call
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.notifications import selectors, services
from wholejourney.notifications.forms import DutyForm, PreferencesForm
from wholejourney.notifications.models import Kind
from wholejourney.notifications.services import DUTY_KINDS
from wholejourney.notifications.text import sentence


@requires(Permission.SIGNED_IN)
def notification_list(request: AuthedHttpRequest) -> HttpResponse:
    """The user's notifications, newest first, unread ones marked; each opens its record."""
    unread_only = request.GET.get("show") == "unread"
    notes = selectors.notifications_for(request.user, unread_only=unread_only)
    items = [{"note": note, "sentence": sentence(note.kind)} for note in notes]
    context = {
        "items": items,
        "unread_only": unread_only,
        "perms_view_staff": has_permission(request.user, Permission.VIEW_STAFF),
    }
    return render(request, "notifications/list.html", context)


@requires(Permission.SIGNED_IN)
def notification_count(request: AuthedHttpRequest) -> HttpResponse:
    """The header's count: a small fragment htmx asks for when a page loads and then every few seconds."""
    count = selectors.unread_count(request.user)
    return render(
        request,
        "notifications/_bell.html",
        {"count": count, "capped": count > selectors.COUNT_CAP, "poll_seconds": settings.WJ_NOTIFICATION_POLL_SECONDS},
    )


@requires(Permission.SIGNED_IN)
def notification_open(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to its record (the link in emails leads here, after sign-in)."""
    note = selectors.notification_get_for(user=request.user, pk=pk)
    url = selectors.target_url(request.user, note)
    services.notification_mark_read(actor=request.user, notification=note)
    return redirect(url)


@requires(Permission.SIGNED_IN)
@require_POST
def notification_read_all(request: AuthedHttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(actor=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@requires(Permission.SIGNED_IN)
def notification_settings(request: AuthedHttpRequest) -> HttpResponse:
    """Per kind of event: by email at once, in the daily digest, or only in the app."""
    current = services.deliveries_of(request.user)
    form = PreferencesForm(request.POST or None, current=current, kinds=services.kinds_for(request.user))
    if request.method == "POST" and form.is_valid():
        with service_call(form) as call:
            for kind, delivery in form.cleaned_data.items():
                if current.get(kind) != delivery:
                    services.preference_set(actor=request.user, kind=kind, delivery=delivery)
        if call.ok:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:settings")
    on_duty = hasattr(request.user, "duty")
    return render(
        request,
        "notifications/settings.html",
        {
            "form": form,
            "on_duty": on_duty,
            "duty_kinds": [Kind(kind).label for kind in DUTY_KINDS],
            "has_email": bool(request.user.email),
        },
    )


@requires(Permission.VIEW_STAFF)
def duty(request: AuthedHttpRequest) -> HttpResponse:
    """Who of the office's intake staff is on duty: told of urgent referrals by email at once.
    For the office's administrator and director."""
    staff = selectors.duty_staff_for(request.user)
    if request.method == "POST":
        form = DutyForm(request.POST)
        if form.is_valid():
            person = next((p for p, _on in staff if p.pk == form.cleaned_data["user"]), None)
            if person is None:
                raise Http404
            with service_call(form) as call:
                services.duty_set(actor=request.user, user=person, on_duty=form.cleaned_data["on_duty"])
            if call.ok:
                messages.success(request, _("The duty list is saved."))
                return redirect("notifications:duty")
    return render(request, "notifications/duty.html", {"staff": staff})
