"""The pages of transfers between offices: the case manager asks from the client's case, the two
directors decide on the Transfers page, where each office also keeps its entries of clients it
handed over (code, dates, where to) without their record."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import Permission, has_permission, requires
from wholejourney.cases import selectors, transfers
from wholejourney.cases.forms import TransferDecisionForm, TransferRequestForm
from wholejourney.cases.models import Transfer
from wholejourney.clients.selectors import client_get_for
from wholejourney.core.forms import service_call
from wholejourney.core.http import AuthedHttpRequest

PAGE_SIZE = 25


def _page(request: AuthedHttpRequest, *, bound: dict[int, TransferDecisionForm] | None = None) -> HttpResponse:
    page = Paginator(selectors.transfers_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    user = request.user
    rows = []
    for transfer in page:
        sending = user.office_id in (None, transfer.from_office_id)
        decides = (
            transfer.status == Transfer.Status.REQUESTED
            and sending
            and has_permission(user, Permission.APPROVE_CLOSURE, obj=transfer.from_office)
        ) or (
            transfer.status == Transfer.Status.APPROVED
            and user.office_id in (None, transfer.to_office_id)
            and has_permission(user, Permission.APPROVE_CLOSURE, obj=transfer.to_office)
        )
        form = (bound or {}).get(transfer.pk) or TransferDecisionForm(prefix=f"t{transfer.pk}")
        rows.append((transfer, decides, form))
    return render(request, "cases/transfers.html", {"page": page, "rows": rows})


@requires(Permission.MANAGE_CASES)  # case managers and directors
def transfer_list(request: AuthedHttpRequest) -> HttpResponse:
    return _page(request)


@requires(Permission.MANAGE_CASES)
def transfer_request(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Ask to hand the client to another office (from the client's case)."""
    client = client_get_for(user=request.user, pk=pk)
    form = TransferRequestForm(request.POST or None, offices=selectors.transfer_offices_for(client))
    if request.method == "POST" and form.is_valid():
        with service_call(form) as call:
            transfers.transfer_request(actor=request.user, client=client, **form.cleaned_data)
        if call.ok:
            messages.success(request, _("The transfer waits for the director's approval."))
            return redirect("cases:transfer_list")
    return render(request, "cases/transfer_form.html", {"client": client, "form": form})


@requires(Permission.APPROVE_CLOSURE)
@require_POST
def transfer_decide(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The sending director approves or declines; then the receiving director accepts or declines."""
    transfer = selectors.transfer_get_for(user=request.user, pk=pk)
    form = TransferDecisionForm(request.POST, prefix=f"t{transfer.pk}")
    yes = request.POST.get("decision") == "yes"
    if form.is_valid():
        note = form.cleaned_data["note"]
        with service_call(form) as call:
            if transfer.status == Transfer.Status.REQUESTED:
                transfers.transfer_approve(actor=request.user, transfer=transfer, approve=yes, note=note)
            else:
                transfers.transfer_receive(
                    actor=request.user,
                    transfer=transfer,
                    accept=yes,
                    note=note,
                    effective_on=form.cleaned_data["effective_on"],
                )
        if call.ok:
            messages.success(request, _("Saved."))
            return redirect("cases:transfer_list")
    return _page(request, bound={transfer.pk: form})
