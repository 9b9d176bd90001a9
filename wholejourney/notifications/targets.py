"""How each kind of record a notification names is checked and linked: the owning app's selectors
decide, so a notification never shows what its reader could not open."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.notifications.registry import Target, register


def _referrals_visible(user: Any, ids: list[int]) -> set[int]:
    from wholejourney.cases import selectors

    if has_permission(user, Permission.SUBMIT_REFERRALS):
        found = selectors.referrals_of_partner(user)
    else:
        found = selectors.incoming_referrals_for(user)
    return set(found.filter(pk__in=ids).order_by().values_list("pk", flat=True))


def _referral_url(user: Any, pk: int) -> str:
    if has_permission(user, Permission.SUBMIT_REFERRALS):
        return reverse("cases:portal_referrals")
    return reverse("cases:referral_detail", args=[pk])


def _clients_visible(user: Any, ids: list[int]) -> set[int]:
    from wholejourney.clients.selectors import clients_visible_to

    return set(clients_visible_to(user).filter(pk__in=ids).order_by().values_list("pk", flat=True))


def _closures_visible(user: Any, ids: list[int]) -> set[int]:
    """A closure request is seen by whoever may see its client (the requester, the approvers)."""
    from wholejourney.cases.models import ClosureRequest
    from wholejourney.clients.selectors import clients_visible_to

    found = ClosureRequest.objects.filter(pk__in=ids, case__client__in=clients_visible_to(user).values("pk"))
    return set(found.order_by().values_list("pk", flat=True))


def _closure_url(user: Any, pk: int) -> str:
    from wholejourney.cases.selectors import closures_to_approve

    if closures_to_approve(user).filter(pk=pk).exists():
        return reverse("cases:closure_list")
    from wholejourney.cases.models import ClosureRequest

    client_id = ClosureRequest.objects.filter(pk=pk).values_list("case__client_id", flat=True).first()
    return reverse("clients:detail", args=[client_id]) + "?tab=case" if client_id else reverse("core:home")


def _exports_visible(user: Any, ids: list[int]) -> set[int]:
    from wholejourney.exports.models import ExportRequest
    from wholejourney.exports.selectors import exports_of

    found = set(exports_of(user).filter(pk__in=ids).order_by().values_list("pk", flat=True))
    if has_permission(user, Permission.APPROVE_EXPORTS):
        office = ExportRequest.objects.filter(pk__in=ids, identifying=True).exclude(requester_id=user.pk)
        if user.office_id is not None:
            office = office.filter(office_id=user.office_id)
        found |= set(office.order_by().values_list("pk", flat=True))
    return found


def _export_url(user: Any, pk: int) -> str:
    from wholejourney.exports.selectors import exports_of

    if exports_of(user).filter(pk=pk).exists():
        return reverse("exports:detail", args=[pk])
    return reverse("exports:approvals")


def _jobs_visible(user: Any, ids: list[int]) -> set[int]:
    from wholejourney.core.selectors import jobs_visible_to

    return set(jobs_visible_to(user).filter(pk__in=ids).order_by().values_list("pk", flat=True))


def _transfers_visible(user: Any, ids: list[int]) -> set[int]:
    from wholejourney.cases.selectors import transfers_visible_to

    return set(transfers_visible_to(user).filter(pk__in=ids).order_by().values_list("pk", flat=True))


register(Target("cases.referral", _referrals_visible, _referral_url))
register(
    Target("cases.transfer", _transfers_visible, lambda user, pk: reverse("cases:transfer_list") + f"#transfer-{pk}")
)
register(Target("clients.client", _clients_visible, lambda user, pk: reverse("clients:detail", args=[pk])))
register(Target("cases.closurerequest", _closures_visible, _closure_url))
register(Target("exports.exportrequest", _exports_visible, _export_url))
register(Target("core.job", _jobs_visible, lambda user, pk: reverse("core:job_status", args=[pk])))
