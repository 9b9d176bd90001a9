"""Referrals, the partner portal, the case, referral and placement tabs of the client page, and
closure approval. Each view: fetch through a selector (404 outside the user's reach), check the
form's shape, call the service, redirect; a service's ValidationError is shown on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import Permission, has_permission, requires
from wholejourney.audit.selectors import access_history
from wholejourney.care.selectors import open_services_of
from wholejourney.cases import selectors, services
from wholejourney.cases.forms import (
    CaseOpenForm,
    CaseReopenForm,
    CaseTransferForm,
    ClosureDecisionForm,
    ClosureRequestForm,
    OutgoingStatusForm,
    PartnerReferralForm,
    PlacementEndForm,
    PlacementForm,
    ReferralAcceptForm,
    ReferralDeclineForm,
    ReferralFilterForm,
    ReferralReceiveForm,
    ReferralSendForm,
)
from wholejourney.cases.models import CaseStatus, ClosureRequest, Referral
from wholejourney.clients import services as client_services
from wholejourney.clients.duplicates import merged_ids_of
from wholejourney.clients.forms import ClientSearchForm, IdentityForm
from wholejourney.clients.models import Client
from wholejourney.clients.search import TooManySearches, registration_matches, search_clients
from wholejourney.clients.selectors import client_get_for, clients_visible_to
from wholejourney.core.forms import service_call
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.outcomes.selectors import clock_on, clocks_on

PAGE_SIZE = 50

# --- the client page -------------------------------------------------------------------------

TABS = (
    ("overview", gettext_lazy("Overview")),
    ("case", gettext_lazy("Case")),
    ("referrals", gettext_lazy("Referrals")),
    ("placements", gettext_lazy("Placements")),
    ("history", gettext_lazy("Access history")),
)


def _assignment(request: AuthedHttpRequest) -> dict[str, Any]:
    return {
        "teams": selectors.teams_of_office(request.user),
        "case_managers": selectors.case_managers_of_office(request.user),
    }


def _placement_form(request: AuthedHttpRequest, data: Any = None) -> PlacementForm:
    return PlacementForm(
        data,
        families=selectors.foster_families_of_office(request.user),
        organisations=selectors.organisations_of_office(request.user),
    )


def _case_tab(request: AuthedHttpRequest, client: Client, bound: dict[str, forms.Form]) -> dict[str, Any]:
    cases = list(selectors.cases_of_client(client))
    latest = cases[0] if cases else None
    open_case = latest if latest is not None and latest.status != CaseStatus.CLOSED else None
    requests = list(latest.closure_requests.all()) if latest else []
    pending = next((r for r in requests if r.status == ClosureRequest.Status.PENDING), None)
    returned = next((r for r in requests if r.status == ClosureRequest.Status.RETURNED), None)
    context: dict[str, Any] = {
        "cases": cases,
        "latest": latest,
        "open_case": open_case,
        "pending": pending,
        "returned": returned if returned and not pending and returned == requests[0] else None,
    }
    if has_permission(request.user, Permission.MANAGE_CASES, obj=client):
        assignment = _assignment(request)
        if open_case is None:
            initial = {"team": client.team, "case_manager": client.case_manager}
            context["open_form"] = bound.get("open") or CaseOpenForm(initial=initial, **assignment)
        else:
            initial = {"team": open_case.team, "case_manager": open_case.case_manager}
            context["transfer_form"] = bound.get("transfer") or CaseTransferForm(initial=initial, **assignment)
            if pending is None:
                context["closure_form"] = bound.get("closure") or ClosureRequestForm()
        if latest is not None and latest.status == CaseStatus.CLOSED:
            context["reopen_form"] = bound.get("reopen") or CaseReopenForm()
    if pending is not None and selectors.may_decide_closure(request.user, pending.case):
        context["decision_form"] = bound.get("decide") or ClosureDecisionForm()
    if open_case is not None and (pending is not None or "closure_form" in context):
        # What the one asking and the one approving weigh: the clock on the closing date, and what is still open.
        day = pending.closing_date if pending is not None else timezone.localdate()
        context["closure_clock"] = clock_on(client, day)
        context["open_services"] = open_services_of([open_case.pk])[open_case.pk]
    return context


def _referrals_tab(request: AuthedHttpRequest, client: Client, bound: dict[str, forms.Form]) -> dict[str, Any]:
    referrals = list(selectors.referrals_of_client(client))
    may_manage = has_permission(request.user, Permission.MANAGE_CASES, obj=client)
    context: dict[str, Any] = {"referrals": referrals, "today": timezone.localdate()}
    if may_manage:
        context["send_form"] = bound.get("send") or ReferralSendForm(
            organisations=selectors.organisations_of_office(request.user)
        )
    return context


def _placements_tab(request: AuthedHttpRequest, client: Client, bound: dict[str, forms.Form]) -> dict[str, Any]:
    placements = selectors.placements_of_client(client)
    current = next((p for p in placements if p.end is None), None)
    open_case = selectors.open_case_of(client)
    context: dict[str, Any] = {"placements": placements, "current": current, "open_case": open_case}
    if has_permission(request.user, Permission.MANAGE_CASES, obj=client):
        if open_case is not None:
            context["placement_form"] = bound.get("place") or _placement_form(request)
        if current is not None:
            context["end_form"] = bound.get("end") or PlacementEndForm()
    return context


def client_page(
    request: AuthedHttpRequest, client: Client, *, tab: str = "", bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    """The client page with its tabs. Clicking a tab loads only the tab with htmx (and puts it in
    the address bar); without JavaScript the same link loads the whole page. Lives here rather than
    in `clients` because most tabs are casework, and cases builds on clients, not the reverse."""
    user = request.user
    tabs = [
        (key, label)
        for key, label in TABS
        if key != "history" or has_permission(user, Permission.VIEW_AUDIT, obj=client)
    ]
    tab = tab if tab in dict(tabs) else "overview"
    bound = bound or {}
    context: dict[str, Any] = {
        "client": client,
        "tabs": tabs,
        "tab": tab,
        "may_manage": has_permission(user, Permission.MANAGE_CASES, obj=client),
    }
    if tab == "overview":
        context["open_case"] = selectors.open_case_of(client)
        context["current"] = selectors.current_placement_of(client)
        address = client.address or {}
        context["address"] = ", ".join(
            address[k] for k in ("village", "commune", "district", "province") if address.get(k)
        )
    elif tab == "case":
        context |= _case_tab(request, client, bound)
    elif tab == "referrals":
        context |= _referrals_tab(request, client, bound)
    elif tab == "placements":
        context |= _placements_tab(request, client, bound)
    elif tab == "history":
        context["history"] = access_history(client, former_ids=merged_ids_of(client))[:100]
    client_services.client_record_view(actor=user, client=client, fields=[tab])
    partial = request.htmx and not request.htmx.history_restore_request and request.htmx.target == "tab-panel"
    return render(request, "clients/_tab_panel.html" if partial else "clients/client_detail.html", context)


def _visible(request: AuthedHttpRequest, client: Client) -> bool:
    return clients_visible_to(request.user).filter(pk=client.pk).exists()


def _back_to(client: Client, tab: str) -> HttpResponse:
    return redirect(reverse("clients:detail", kwargs={"pk": client.pk}) + f"?tab={tab}")


# --- case actions ----------------------------------------------------------------------------


@requires(Permission.MANAGE_CASES)
@require_POST
def case_open(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = client_get_for(user=request.user, pk=pk)
    form = CaseOpenForm(request.POST, **_assignment(request))
    if form.is_valid():
        with service_call(form) as call:
            services.case_open(actor=request.user, client=client, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The case is open."))
            return _back_to(client, "case")
    return client_page(request, client, tab="case", bound={"open": form})


@requires(Permission.MANAGE_CASES)
@require_POST
def case_transfer(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, pk=pk)
    form = CaseTransferForm(request.POST, **_assignment(request))
    if form.is_valid():
        with service_call(form) as call:
            services.case_transfer(actor=request.user, case=case, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The case is transferred."))
            # Handing the case to another team may take the client out of the user's own caseload.
            return _back_to(case.client, "case") if _visible(request, case.client) else redirect("clients:caseload")
    return client_page(request, case.client, tab="case", bound={"transfer": form})


@requires(Permission.MANAGE_CASES)
@require_POST
def closure_request(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, pk=pk)
    form = ClosureRequestForm(request.POST)
    if form.is_valid():
        with service_call(form) as call:
            services.closure_request(actor=request.user, case=case, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The closure is requested; the case closes when it is approved."))
            return _back_to(case.client, "case")
    return client_page(request, case.client, tab="case", bound={"closure": form})


@requires(Permission.MANAGE_CASES)
@require_POST
def case_reopen(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, pk=pk)
    form = CaseReopenForm(request.POST)
    if form.is_valid():
        with service_call(form) as call:
            services.case_reopen(actor=request.user, case=case, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The case is open again."))
            return _back_to(case.client, "case")
    return client_page(request, case.client, tab="case", bound={"reopen": form})


# --- closures --------------------------------------------------------------------------------


def _closure_list_page(
    request: AuthedHttpRequest, failed: tuple[int, ClosureDecisionForm] | None = None
) -> HttpResponse:
    page = Paginator(selectors.closures_to_approve(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    clocks = clocks_on({closure.case.client_id: closure.closing_date for closure in page})
    services_open = open_services_of([closure.case_id for closure in page])
    for closure in page:
        bound = failed is not None and failed[0] == closure.pk
        closure.decision_form = failed[1] if bound else ClosureDecisionForm()  # type: ignore[attr-defined,index]
        closure.clock = clocks[closure.case.client_id]  # type: ignore[attr-defined]
        closure.open_services = services_open[closure.case_id]  # type: ignore[attr-defined]
    return render(request, "cases/closure_list.html", {"page": page})


@requires(Permission.MANAGE_CASES)
def closure_list(request: AuthedHttpRequest) -> HttpResponse:
    """Closure requests waiting for the user: a director's office, a supervisor's teams."""
    return _closure_list_page(request)


@requires(Permission.MANAGE_CASES)
@require_POST
def closure_decide(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    closure = selectors.closure_request_get_for(user=request.user, pk=pk)
    form = ClosureDecisionForm(request.POST)
    came_from_client = request.POST.get("next") == "client"
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        with service_call(form) as call:
            services.closure_decide(
                actor=request.user, request=closure, approve=approve, comment=form.cleaned_data["comment"]
            )
        if call.ok:
            if approve:
                messages.success(
                    request, _("Approved: the case of %(code)s is closed.") % {"code": closure.case.client.code}
                )
            else:
                messages.success(request, _("The request goes back to the case manager with your comment."))
            return _back_to(closure.case.client, "case") if came_from_client else redirect("cases:closure_list")
    if came_from_client:
        return client_page(request, closure.case.client, tab="case", bound={"decide": form})
    return _closure_list_page(request, failed=(closure.pk, form))


# --- placements ------------------------------------------------------------------------------


@requires(Permission.MANAGE_CASES)
@require_POST
def placement_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Place the client, or move them: the current placement ends the day the new one starts."""
    case = selectors.case_get_for(user=request.user, pk=pk)
    form = _placement_form(request, request.POST)
    if form.is_valid():
        with service_call(form) as call:
            services.placement_add(actor=request.user, case=case, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The placement is recorded."))
            return _back_to(case.client, "placements")
    return client_page(request, case.client, tab="placements", bound={"place": form})


@requires(Permission.MANAGE_CASES)
@require_POST
def placement_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    placement = selectors.placement_get_for(user=request.user, pk=pk)
    form = PlacementEndForm(request.POST)
    if form.is_valid():
        with service_call(form) as call:
            services.placement_end(actor=request.user, placement=placement, end=form.cleaned_data["end"])
        if call.ok:
            messages.success(request, _("The placement is ended."))
            return _back_to(placement.client, "placements")
    return client_page(request, placement.client, tab="placements", bound={"end": form})


# --- referrals: intake -----------------------------------------------------------------------


@requires(Permission.MANAGE_CASES)
def referral_list(request: AuthedHttpRequest) -> HttpResponse:
    """Incoming referrals of the office. No names here: a list shows dates, sources and codes."""
    form = ReferralFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    referrals = selectors.incoming_referrals_for(request.user, status=status)
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/referral_list.html", {"page": page, "filter_form": form, "status": status})


@requires(Permission.MANAGE_CASES)
def referral_create(request: AuthedHttpRequest) -> HttpResponse:
    if request.user.office is None:
        raise Http404  # a referral is received by an office; a global account has none
    organisations = selectors.organisations_of_office(request.user)
    form = ReferralReceiveForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_call(form) as call:
            referral = services.referral_receive(
                actor=request.user,
                office=request.user.office,
                referred_on=data["referred_on"],
                source=data["source"],
                organisation=data["organisation"],
                urgency=data["urgency"],
                reason=data["reason"],
                person=form.person(),
            )
        if call.ok:
            messages.success(request, _("The referral is recorded."))
            return redirect("cases:referral_detail", pk=referral.pk)
    return render(request, "cases/referral_form.html", {"form": form})


def _referral_search(
    request: AuthedHttpRequest, referral: Referral, readable: bool
) -> tuple[ClientSearchForm, Any, str]:
    """The search on the referral page: what the user typed, or at first the referred person's
    name. Returns the form, the results and why the search was refused (if it was)."""
    data: Any = request.GET if "q" in request.GET else None
    if data is None and readable and referral.person.get("name"):
        data = {"q": referral.person["name"]}
    form = ClientSearchForm(data)
    if not form.is_valid():
        return form, None, ""
    try:
        return form, search_clients(actor=request.user, text=form.cleaned_data["q"], purpose="referral"), ""
    except TooManySearches as exc:
        return form, None, str(exc.message)


def _referral_page(
    request: AuthedHttpRequest,
    referral: Referral,
    *,
    accept_form: ReferralAcceptForm | None = None,
    identity_form: IdentityForm | None = None,
    decline_form: ReferralDeclineForm | None = None,
    matches: Any = None,
) -> HttpResponse:
    readable = selectors.referral_details_readable(request.user, referral)
    context: dict[str, Any] = {"referral": referral, "readable": readable, "matches": matches}
    if referral.status != Referral.Status.RECEIVED:
        # Decided meanwhile (by someone else, or a second click): say why nothing happened.
        context["decided_errors"] = [e for f in (accept_form, decline_form) if f for e in f.non_field_errors()]
    else:
        search_form, found, refused = _referral_search(request, referral, readable)
        candidate_ids = [c.pk for c in found.visible] if found is not None else []
        if accept_form is None:
            accept_form = ReferralAcceptForm(
                candidates=Client.objects.none(),
                initial={"team": request.user.team, "case_manager": request.user},
                **_assignment(request),
            )
        else:
            candidate_ids += [int(c) for c in request.POST.getlist("client") if c.isdigit()]
        # The choice offers the search's matches the user may open (and, after an error, their choice).
        accept_form.fields["client"].queryset = clients_visible_to(request.user).filter(  # type: ignore[attr-defined]
            office=referral.office, pk__in=candidate_ids
        )
        context |= {
            "search_form": search_form,
            "results": found,
            "refused": refused,
            "accept_form": accept_form,
            "identity_form": identity_form
            or IdentityForm(initial=_identity_from(referral) if readable else None, prefix="new"),
            "decline_form": decline_form or ReferralDeclineForm(),
        }
    if referral.client is not None:
        context["client_visible"] = _visible(request, referral.client)
    return render(request, "cases/referral_detail.html", context)


def _identity_from(referral: Referral) -> dict[str, Any]:
    """Start the registration from what the referrer told us. Khmer names are written family name first."""
    person = referral.person or {}
    name = str(person.get("name", "")).strip()
    family, _sep, given = name.partition(" ")
    script = "km" if any("\u1780" <= ch <= "\u17ff" for ch in name) else "latin"
    initial = {f"family_name_{script}": family, f"given_name_{script}": given}
    if person.get("phone"):
        initial["phone_numbers"] = person["phone"]
    return initial


@requires(Permission.MANAGE_CASES)
def referral_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    referral = selectors.incoming_referral_get_for(user=request.user, pk=pk)
    return _referral_page(request, referral)


@requires(Permission.MANAGE_CASES)
@require_POST
def referral_accept(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Accept: link the client chosen among the search's matches, or register the person (with a
    reason when a possible match exists), and open the case, all in one transaction."""
    referral = selectors.incoming_referral_get_for(user=request.user, pk=pk)
    posted = [v for v in request.POST.getlist("client") if v.isdigit()]
    candidates = clients_visible_to(request.user).filter(office=referral.office, pk__in=posted)
    form = ReferralAcceptForm(request.POST, candidates=candidates, **_assignment(request))
    identity_form = IdentityForm(request.POST, prefix="new")
    matches = None
    if form.is_valid():
        data = form.cleaned_data
        client = data["client"]
        identity: dict[str, Any] | None = None
        if client is None and identity_form.is_valid():
            identity = identity_form.identity()
            matches = registration_matches(actor=request.user, **identity_form.search_terms())
            if matches.any and not data["duplicate_reason"].strip():
                form.add_error(
                    "duplicate_reason",
                    _("A possible match exists. Choose the client above, or say why you register someone new."),
                )
        if client is not None or (identity is not None and form.is_valid()):
            with service_call(form, identity_form) as call:
                case = services.referral_accept(
                    actor=request.user,
                    referral=referral,
                    opened_on=data["opened_on"],
                    primary_abuse_type=data["primary_abuse_type"],
                    trafficking_subtype=data["trafficking_subtype"],
                    team=data["team"],
                    case_manager=data["case_manager"],
                    client=client,
                    identity=identity,
                    duplicate_reason=data["duplicate_reason"].strip(),
                )
            if call.ok:
                messages.success(
                    request, _("The referral is accepted and a case is open for %(code)s.") % {"code": case.client.code}
                )
                return (
                    _back_to(case.client, "case") if _visible(request, case.client) else redirect("cases:referral_list")
                )
    return _referral_page(request, referral, accept_form=form, identity_form=identity_form, matches=matches)


@requires(Permission.MANAGE_CASES)
@require_POST
def referral_decline(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    referral = selectors.incoming_referral_get_for(user=request.user, pk=pk)
    form = ReferralDeclineForm(request.POST)
    if form.is_valid():
        with service_call(form) as call:
            services.referral_decline(actor=request.user, referral=referral, note=form.cleaned_data["note"])
        if call.ok:
            messages.success(request, _("The referral is declined."))
            return redirect("cases:referral_detail", pk=referral.pk)
    return _referral_page(request, referral, decline_form=form)


# --- referrals: outgoing ---------------------------------------------------------------------


@requires(Permission.MANAGE_CASES)
@require_POST
def referral_send(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = client_get_for(user=request.user, pk=pk)
    form = ReferralSendForm(request.POST, organisations=selectors.organisations_of_office(request.user))
    if form.is_valid():
        with service_call(form) as call:
            services.referral_send(actor=request.user, client=client, **form.cleaned_data)
        if call.ok:
            messages.success(
                request, _("The referral to %(name)s is recorded.") % {"name": form.cleaned_data["organisation"].name}
            )
            return _back_to(client, "referrals")
    return client_page(request, client, tab="referrals", bound={"send": form})


@requires(Permission.MANAGE_CASES)
@require_POST
def referral_status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    referral = selectors.outgoing_referral_get_for(user=request.user, pk=pk)
    form = OutgoingStatusForm(request.POST)
    client: Client = referral.client  # type: ignore[assignment]
    if form.is_valid():
        try:
            services.referral_set_outgoing_status(
                actor=request.user, referral=referral, status=form.cleaned_data["status"]
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The referral is now: %(status)s.") % {"status": referral.get_status_display()})
    return _back_to(client, "referrals")


# --- the partner portal ----------------------------------------------------------------------


@requires(Permission.SUBMIT_REFERRALS)
def portal_referrals(request: AuthedHttpRequest) -> HttpResponse:
    """A partner referrer's page: submit a referral for their organisation, and follow the status of
    the ones it sent. Never a client's record, never a name."""
    organisation = request.user.partner_organisation
    form = PartnerReferralForm(request.POST or None) if organisation is not None else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        with service_call(form) as call:
            referral = services.referral_receive(
                actor=request.user,
                office=organisation.office,  # type: ignore[union-attr]
                referred_on=data["referred_on"],
                urgency=data["urgency"],
                reason=data["reason"],
                person=form.person(),
            )
        if call.ok:
            messages.success(
                request, _("Thank you. Your referral number %(number)s is received.") % {"number": referral.pk}
            )
            return redirect("cases:portal_referrals")
    page = Paginator(selectors.referrals_of_partner(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    sent = Paginator(selectors.referrals_sent_to_partner(request.user), PAGE_SIZE).get_page(request.GET.get("sent"))
    context = {"form": form, "page": page, "sent": sent, "organisation": organisation, "today": timezone.localdate()}
    return render(request, "cases/portal_referrals.html", context)
