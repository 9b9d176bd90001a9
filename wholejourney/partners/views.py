"""The office's partner organisations: the list for staff, and adding and editing for the director."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import Permission, has_permission, requires
from wholejourney.core.corrections.registry import kind_named
from wholejourney.core.corrections.services import EditConflict, record_edit
from wholejourney.core.forms import service_call
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.partners import selectors, services
from wholejourney.partners.forms import OrganisationFilterForm, OrganisationForm, PeriodEndForm, PeriodForm
from wholejourney.partners.models import Organisation

PAGE_SIZE = 50


@requires(Permission.VIEW_CLIENTS)
def organisation_list(request: AuthedHttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET or None)
    organisations = selectors.organisations_visible_to(request.user)
    if form.is_valid():
        if form.cleaned_data["kind"]:
            organisations = organisations.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["q"]:
            organisations = organisations.filter(name__icontains=form.cleaned_data["q"])
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filter_form": form,
        "today": timezone.localdate(),
        "may_manage": has_permission(request.user, services.MANAGE_PARTNERS),
    }
    return render(request, "partners/organisation_list.html", context)


def _read_version(request: AuthedHttpRequest, organisation: Organisation) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return organisation.version


def _organisation_page(
    request: AuthedHttpRequest,
    organisation: Organisation | None,
    *,
    period_form: PeriodForm | None = None,
    end_form: PeriodEndForm | None = None,
) -> HttpResponse:
    form = OrganisationForm(
        request.POST if request.method == "POST" and period_form is None and end_form is None else None,
        instance=organisation,
        office=request.user.office,
    )
    version = organisation.version if organisation is not None else None
    if form.is_bound and form.is_valid() and organisation is not None:
        # A correction like any record's: over the version the page was read at, or a conflict.
        version = _read_version(request, organisation)
        kind = kind_named("organisation")
        changes = {name: form.cleaned_data[name] for name in kind.fields}
        with service_call(form) as call:
            try:
                saved = record_edit(
                    actor=request.user, kind=kind, record=organisation, version=version, changes=changes
                )
            except EditConflict as exc:
                version = exc.current.version  # type: ignore[attr-defined]
                raise ValidationError(
                    _(
                        "Someone saved this partner while you were editing it; it is now called %(name)s. "
                        "Your changes are below: save again to apply them."
                    )
                    % {"name": exc.current.name}  # type: ignore[attr-defined]
                ) from exc
        if call.ok:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("partners:organisation_edit", pk=saved.pk)
    elif form.is_bound and form.is_valid():
        with service_call(form) as call:
            saved = services.organisation_save(
                actor=request.user, organisation=form.instance, changed_fields=form.changed_data
            )
        if call.ok:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("partners:organisation_edit", pk=saved.pk)
    context = {
        "form": form,
        "version": version,
        "organisation": organisation,
        "period_form": period_form or PeriodForm(),
        "end_form": end_form or PeriodEndForm(),
    }
    return render(request, "partners/organisation_form.html", context)


@requires(services.MANAGE_PARTNERS)
def organisation_create(request: AuthedHttpRequest) -> HttpResponse:
    if request.user.office is None:
        raise Http404  # an organisation belongs to an office; a global account has none
    return _organisation_page(request, None)


@requires(services.MANAGE_PARTNERS)
def organisation_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _organisation_page(request, selectors.organisation_get_for(user=request.user, pk=pk))


@requires(services.MANAGE_PARTNERS)
@require_POST
def period_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get_for(user=request.user, pk=pk)
    form = PeriodForm(request.POST)
    if form.is_valid():
        with service_call(form) as call:
            services.partnership_period_add(actor=request.user, organisation=organisation, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The partnership period is added."))
            return redirect("partners:organisation_edit", pk=organisation.pk)
    return _organisation_page(request, organisation, period_form=form)


@requires(services.MANAGE_PARTNERS)
@require_POST
def period_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    period = selectors.period_get_for(user=request.user, pk=pk)
    form = PeriodEndForm(request.POST)
    if form.is_valid():
        with service_call(form) as call:
            services.partnership_period_end(actor=request.user, period=period, active_to=form.cleaned_data["active_to"])
        if call.ok:
            messages.success(request, _("The partnership is ended."))
            return redirect("partners:organisation_edit", pk=period.organisation_id)
    organisation = selectors.organisation_get_for(user=request.user, pk=period.organisation_id)
    return _organisation_page(request, organisation, end_form=form)
