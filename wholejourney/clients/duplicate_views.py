"""The director's likely duplicates: the list of pairs, a pair side by side, the merge with its
confirmation, "not the same person", and the list of merges done.

Every page is the office director's (`merge.MERGE_PERMISSION`) and shows only their own office's
clients: any other record, or a pair with one, is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wholejourney.accounts.permissions import requires
from wholejourney.clients import duplicates, merge
from wholejourney.clients.selectors import clients_visible_to
from wholejourney.core.http import AuthedHttpRequest

PAGE_SIZE = 50


def _office_of(request: AuthedHttpRequest) -> int:
    if request.user.office_id is None:
        raise Http404  # the list is an office's; a global account has none
    return request.user.office_id


@requires(merge.MERGE_PERMISSION)
def duplicate_list(request: AuthedHttpRequest) -> HttpResponse:
    """The office's likely duplicates, most alike first; or the pairs of one client (`?client=`)."""
    office_id = _office_of(request)
    client = None
    if request.GET.get("client", "").isdigit():
        client = duplicates.client_for_director(request.user, int(request.GET["client"]))
    pairs = duplicates.likely_duplicates(office_id, client_id=client.pk if client else None)
    pairs = duplicates.with_clients(pairs, duplicates.with_facts(clients_visible_to(request.user)))
    context = {"pairs": pairs, "client": client, "limit": duplicates.LIST_LIMIT}
    return render(request, "clients/duplicates/list.html", context)


@requires(merge.MERGE_PERMISSION)
def pair(request: AuthedHttpRequest, a: int, b: int) -> HttpResponse:
    """Two records side by side, with what tells them apart, and the two decisions."""
    first, second = duplicates.pair_for_director(request.user, a, b)
    return render(request, "clients/duplicates/pair.html", _pair_context(first, second))


def _pair_context(first: Any, second: Any, **extra: Any) -> dict[str, Any]:
    found = duplicates.pair_likeness(first, second)
    return {
        "first": first,
        "second": second,
        "sides": [duplicates.side_facts(first), duplicates.side_facts(second)],
        "likeness": found,
        "problems": merge.merge_problems(first, second),
        **extra,
    }


@requires(merge.MERGE_PERMISSION)
def merge_confirm(request: AuthedHttpRequest, a: int, b: int, keep: int) -> HttpResponse:
    """Merging, second step: what will happen, in words, and the button that does it."""
    first, second = duplicates.pair_for_director(request.user, a, b)
    if keep not in (first.pk, second.pk):
        raise Http404
    kept, merged = (first, second) if keep == first.pk else (second, first)
    context = _pair_context(first, second, kept=kept, merged=merged)
    if request.method == "POST":
        try:
            merge.client_merge(actor=request.user, keep=kept, merged=merged)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            context["errors"] = exc.messages
        else:
            messages.success(
                request,
                _("%(merged)s is merged into %(kept)s: one record now holds everything.")
                % {"merged": merged.code, "kept": kept.code},
            )
            return redirect("clients:detail", pk=kept.pk)
    return render(request, "clients/duplicates/confirm.html", context)


@requires(merge.MERGE_PERMISSION)
@require_POST
def not_duplicate(request: AuthedHttpRequest, a: int, b: int) -> HttpResponse:
    first, second = duplicates.pair_for_director(request.user, a, b)
    try:
        merge.not_duplicate_record(actor=request.user, a=first, b=second)
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(
        request,
        _("%(first)s and %(second)s are two people: the pair is not listed again.")
        % {"first": first.code, "second": second.code},
    )
    return redirect("clients:duplicates")


@requires(merge.MERGE_PERMISSION)
def merge_list(request: AuthedHttpRequest) -> HttpResponse:
    """The merges done in the office, newest first: who, when, which records, what moved."""
    office_id = _office_of(request)
    page = Paginator(duplicates.merges_of_office(office_id), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clients/duplicates/merges.html", {"page": page})
