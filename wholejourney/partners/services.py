"""Writes on partner organisations and their partnership periods. The director manages the
office's partners (the permission that goes with the office's other decisions, APPROVE_CLOSURE)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.partners.models import Organisation, PartnershipPeriod

MANAGE_PARTNERS = Permission.APPROVE_CLOSURE


def organisation_save(*, actor: User, organisation: Organisation, changed_fields: Iterable[str]) -> Organisation:
    """Create or change an organisation of the actor's office."""
    if not has_permission(actor, MANAGE_PARTNERS, obj=organisation):
        raise PermissionDenied
    creating = organisation.pk is None
    organisation.full_clean()
    with transaction.atomic():
        organisation.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE,
            target=organisation,
            changed_fields=list(changed_fields) or ["organisation"],
        )
    return organisation


def partnership_period_add(
    *, actor: User, organisation: Organisation, active_from: datetime.date, active_to: datetime.date | None = None
) -> PartnershipPeriod:
    """A span during which the organisation is a partner; spans of one organisation do not overlap."""
    if not has_permission(actor, MANAGE_PARTNERS, obj=organisation):
        raise PermissionDenied
    if active_to is not None and active_to < active_from:
        raise ValidationError({"active_to": _("The partnership cannot end before it starts.")})
    overlapping = organisation.periods.filter(Q(active_to__isnull=True) | Q(active_to__gte=active_from))
    if active_to is not None:
        overlapping = overlapping.filter(active_from__lte=active_to)
    other = overlapping.first()
    if other is not None:
        raise ValidationError(
            _("The organisation is already a partner from %(start)s to %(end)s, which overlaps these dates.")
            % {"start": other.active_from, "end": other.active_to or _("now")}
        )
    period = PartnershipPeriod(organisation=organisation, active_from=active_from, active_to=active_to)
    period.full_clean()
    with transaction.atomic():
        period.save()
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=period, changed_fields=["period"])
    return period


def partnership_period_end(*, actor: User, period: PartnershipPeriod, active_to: datetime.date) -> PartnershipPeriod:
    """End an open-ended partnership."""
    if not has_permission(actor, MANAGE_PARTNERS, obj=period.organisation):
        raise PermissionDenied
    if period.active_to is not None:
        raise ValidationError(_("This partnership period has already ended."))
    if active_to < period.active_from:
        raise ValidationError({"active_to": _("The partnership cannot end before it starts.")})
    with transaction.atomic():
        period.active_to = active_to
        period.save(update_fields=["active_to"])
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=period, changed_fields=["active_to"])
    return period
