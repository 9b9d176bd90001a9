"""Erasure: the request from the client's record, the director's decisions; the office's retention rule."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import Permission, has_permission, requires
from wholejourney.clients.selectors import client_get_for
from wholejourney.core.forms import apply_service_errors
from wholejourney.core.http import AuthedHttpRequest
from wholejourney.erasure import selectors, services
from wholejourney.erasure.forms import ErasureRequestForm, RetentionForm


@requires(Permission.MANAGE_CASES)
def client_erasure(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The client's erasure requests, and the form to ask for one."""
    client = client_get_for(user=request.user, pk=pk)
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.erasure_request(actor=request.user, client=client, reason=form.cleaned_data["reason"])
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("The erasure is asked for. The director decides."))
            return redirect("erasure:client", pk=client.pk)
    context = {"client": client, "section": "erasure", "form": form, "requests": selectors.requests_of(client)}
    return render(request, "erasure/client.html", context, status=400 if form.errors else 200)


@requires(Permission.APPROVE_CLOSURE)
def decisions(request: AuthedHttpRequest) -> HttpResponse:
    """Erasure requests waiting for the director, oldest first."""
    return render(request, "erasure/decisions.html", {"pending": selectors.requests_to_decide(request.user)[:50]})


@requires(Permission.APPROVE_CLOSURE)
@require_POST
def decide(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    erasure = selectors.request_get_for(user=request.user, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.erasure_decide(actor=request.user, request=erasure, approve=approve)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if approve:
            messages.success(request, _("%(code)s is erased.") % {"code": erasure.client.code})
        else:
            messages.success(request, _("The erasure of %(code)s is declined.") % {"code": erasure.client.code})
    return redirect("erasure:decisions")


@requires(Permission.APPROVE_CLOSURE)
def retention(request: AuthedHttpRequest) -> HttpResponse:
    """The office's retention rule, and the clients it says are due for erasure."""
    office = request.user.office
    if office is None:
        raise Http404
    rule = selectors.rule_of(office)
    initial = {"years_after_closure": 7, "adult_age": 18, "years_after_adulthood": 3}
    if rule is not None:
        initial = {name: getattr(rule, name) for name in initial}
    form = RetentionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.retention_rule_set(actor=request.user, office=office, **form.cleaned_data)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("The retention rule is saved."))
            return redirect("erasure:retention")
    due = selectors.due_for_erasure(office, timezone.localdate())
    context = {
        "form": form,
        "rule": rule,
        "due": due[:100],
        "due_count": due.count(),
        "may_request": has_permission(request.user, Permission.MANAGE_CASES),
    }
    return render(request, "erasure/retention.html", context)
