"""The caseload, client search, registration, the client page and break-the-glass access."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.permissions import Permission, has_permission, requires
from wholejourney.cases import selectors as case_selectors
from wholejourney.cases.models import CaseStatus, PlacementKind
from wholejourney.cases.views import client_page
from wholejourney.clients import search as client_search
from wholejourney.clients import selectors, services
from wholejourney.clients.duplicates import kept_record_of
from wholejourney.clients.forms import BreakGlassForm, CaseloadFilterForm, ClientSearchForm, RegisterForm
from wholejourney.clients.models import BreakGlassGrant, Client
from wholejourney.core import due
from wholejourney.core.forms import apply_service_errors
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.core.pagination import KeysFirstPaginator
from wholejourney.outcomes.selectors import stored_clock

PAGE_SIZE = 50


@requires(Permission.VIEW_CLIENTS)
def caseload(request: AuthedHttpRequest) -> HttpResponse:
    """The clients the user may open, a compact list of 50 a page: the case's stage, where they live,
    the clock, and the most urgent due work of each; filtered by stage, placement, clock and due
    work, and ordered. The same few queries for any number of clients."""
    own = [(kind.key, kind.label) for kind in due.kinds_for(request.user) if kind.records is not None]
    form = CaseloadFilterForm(request.GET or None, placements=list(PlacementKind.choices), due_kinds=own)
    choices = form.chosen()
    clients = case_selectors.caseload_filtered(request.user, choices).select_related("clock", "team", "case_manager")
    page = KeysFirstPaginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    statuses, placements = dict(CaseStatus.choices), dict(PlacementKind.choices)
    next_work = due.next_work_of(request.user, [client.pk for client in page])
    today = timezone.localdate()
    for client in page:
        client.status_label = statuses.get(client.case_status, _("No case"))  # type: ignore[attr-defined]
        client.placement_label = placements.get(client.placement_kind, "")  # type: ignore[attr-defined]
        client.clock_label = _clock_label(client, today)  # type: ignore[attr-defined]
        client.next_work = next_work.get(client.pk)  # type: ignore[attr-defined]
        if client.closure_pending:  # type: ignore[attr-defined]
            client.next_task = _("Closure awaiting approval")  # type: ignore[attr-defined]
        elif client.case_status not in (None, CaseStatus.CLOSED) and client.placement_kind is None:  # type: ignore[attr-defined]
            client.next_task = _("Record where the client lives")  # type: ignore[attr-defined]
        else:
            client.next_task = ""  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "form": form,
        "filtered": bool(choices),
        "query": query.urlencode(),
        "today": today,
        "search_form": ClientSearchForm(),
        "may_register": has_permission(request.user, Permission.MANAGE_CASES),
    }
    return render(request, "clients/caseload.html", context)


def _clock_label(client: Client, today: Any) -> str:
    state = stored_clock(getattr(client, "clock", None), today).state
    return str({"whole": _("Whole"), "running": _("Clock running")}.get(state, _("Clock not started")))


@requires(Permission.VIEW_CLIENTS)
def search(request: AuthedHttpRequest) -> HttpResponse:
    form = ClientSearchForm(request.GET or None)
    results = None
    refused = ""
    if form.is_valid():
        try:
            results = client_search.search_clients(actor=request.user, text=form.cleaned_data["q"])
        except client_search.TooManySearches as exc:
            refused = str(exc.message)
    template = "clients/_search_results.html" if request.htmx else "clients/search.html"
    context = {
        "search_form": form,
        "results": results,
        "refused": refused,
        "may_register": has_permission(request.user, Permission.MANAGE_CASES),
    }
    return render(request, template, context, status=429 if refused else 200)


@requires(Permission.VIEW_CLIENTS)
def client_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The client page with its tabs (overview, case, referrals, placements, access history)."""
    try:
        client = selectors.client_get_for(user=request.user, pk=pk)
    except Http404:
        # A record merged into another: its address leads to the one kept, for those who may open it.
        kept = kept_record_of(pk)
        if kept is None or not selectors.clients_visible_to(request.user).filter(pk=kept).exists():
            raise
        return redirect(reverse("clients:detail", kwargs={"pk": kept}) + request.get_full_path()[len(request.path) :])
    return client_page(request, client, tab=request.GET.get("tab", ""))


@requires(Permission.MANAGE_CASES)
def register(request: AuthedHttpRequest) -> HttpResponse:
    """Search first, then register. The search by name, phone or ID number shows possible matches;
    registering anyway, when the details entered match someone, needs a reason (audited)."""
    if request.user.office is None:
        raise Http404  # a client is registered in an office; a global account has none
    assignment: dict[str, Any] = {
        "teams": case_selectors.teams_of_office(request.user),
        "case_managers": case_selectors.case_managers_of_office(request.user),
    }
    search_form = ClientSearchForm(request.GET if "q" in request.GET else None)
    results = None
    refused = ""
    form = None
    if request.method == "POST":
        form = RegisterForm(request.POST, **assignment)
        search_form = ClientSearchForm(initial={"q": request.POST.get("searched_q")})
    elif search_form.is_valid():
        value = search_form.cleaned_data["q"]
        try:
            results = client_search.search_clients(actor=request.user, text=value, purpose="registration")
        except client_search.TooManySearches as exc:
            refused = str(exc.message)
        initial: dict[str, object] = {
            "searched_q": value,
            "team": request.user.team,
            "case_manager": request.user,
            **_identity_from_search(value),
        }
        form = RegisterForm(initial=initial, ask_reason=bool(results and results.any), **assignment)
    matches = None
    if form is not None and form.is_bound:
        valid = form.is_valid()
        # Check again what was typed, whatever the search step found (or if it was skipped).
        try:
            matches = client_search.registration_matches(actor=request.user, **form.search_terms())
        except client_search.TooManySearches as exc:
            refused = str(exc.message)
            valid = False
        if matches is not None and matches.any:
            form.ask_for_reason()
        if valid and matches is not None:
            done = _register_client(request, form, found=matches.any)
            if done is not None:
                return done
    context = {
        "search_form": search_form, "results": results, "form": form, "matches": matches, "refused": refused,
    }  # fmt: skip
    return render(request, "clients/register.html", context, status=429 if refused else 200)


def _identity_from_search(value: str) -> dict[str, str]:
    """What was searched, carried into the registration form: a number as the phone number, a
    name as the family name (its first word, as Khmer names are written) and the given name."""
    kind = client_search.search_kind(value)
    if kind == client_search.SearchKind.NUMBER:
        return {"phone_numbers": value}
    if kind == client_search.SearchKind.CODE:
        return {}
    family, _space, given = value.strip().partition(" ")
    script = "km" if any("\u1780" <= ch <= "\u17ff" for ch in value) else "latin"
    return {f"family_name_{script}": family, f"given_name_{script}": given.strip()}


def _register_client(request: AuthedHttpRequest, form: RegisterForm, *, found: bool) -> HttpResponse | None:
    """Register the client; None (with the errors on the form) when that cannot be done."""
    reason = form.cleaned_data["duplicate_reason"].strip()
    if found and not reason:
        form.add_error(
            "duplicate_reason",
            _("A possible match exists. Open that record instead, or say why you register someone new."),
        )
        return None
    try:
        client = services.client_create(
            actor=request.user,
            office=request.user.office,  # type: ignore[arg-type]
            team=form.cleaned_data["team"],
            case_manager=form.cleaned_data["case_manager"],
            duplicate_reason=reason if found else "",
            **form.identity(),
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        apply_service_errors(exc, form)
        return None
    messages.success(request, _("%(code)s is registered. Open a case next.") % {"code": client.code})
    if selectors.clients_visible_to(request.user).filter(pk=client.pk).exists():
        return redirect(reverse("clients:detail", kwargs={"pk": client.pk}) + "?tab=case")
    return redirect("clients:caseload")


def _break_glass_target(request: AuthedHttpRequest, pk: int) -> Client:
    """A client of the user's own office; anything else does not exist for them."""
    client = Client.objects.filter(pk=pk, erased_at__isnull=True).select_related("data_key").first()
    if client is None or request.user.office_id not in (None, client.office_id):
        raise Http404
    return client


@requires(Permission.BREAK_GLASS)
def break_glass(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    client = _break_glass_target(request, pk)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.break_glass(actor=request.user, client=client, reason=form.cleaned_data["reason"])
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.warning(
                request, _("You have access to %(code)s for 2 hours. Your director is told.") % {"code": client.code}
            )
            return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/break_glass.html", {"client": client, "form": form})


@requires(Permission.VIEW_AUDIT)
def break_glass_log(request: AuthedHttpRequest) -> HttpResponse:
    """Break-the-glass access in the director's office, newest first."""
    grants = BreakGlassGrant.objects.select_related("user", "client", "client__data_key")
    if request.user.office_id is not None:
        grants = grants.filter(Q(client__office_id=request.user.office_id))
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clients/break_glass_log.html", {"page": page, "now": timezone.now()})
