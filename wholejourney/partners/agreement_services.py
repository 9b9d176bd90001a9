"""Writes on partnership agreements and partner contacts. They are kept by whoever manages the
office's partners (partners.services.MANAGE_PARTNERS), like the partners themselves.

Kept apart from partners/services.py while that module is being changed by other work; the two
can be joined later."""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.partners.documents import CheckedDocument
from wholejourney.partners.models import Agreement, Contact, Organisation
from wholejourney.partners.services import MANAGE_PARTNERS

# Written in the audit row when a PDF is kept with its metadata (no PDF library to remove it).


def _require(actor: User, organisation: Organisation) -> None:
    if not has_permission(actor, MANAGE_PARTNERS, obj=organisation):
        raise PermissionDenied


def agreement_add(
    *,
    actor: User,
    organisation: Organisation,
    kind: str,
    signed_on: datetime.date,
    start: datetime.date,
    end: datetime.date | None = None,
    signatory: str = "",
    document: CheckedDocument | None = None,
) -> Agreement:
    """An agreement with a partner, with its signed document (already checked and cleaned by
    partners.documents.check_document). The document is stored under a random name: the name a
    file was uploaded with can say more than it should."""
    _require(actor, organisation)
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("The date cannot be in the future.")})
    if end is not None and end < start:
        raise ValidationError({"end": _("The agreement cannot end before it starts.")})
    agreement = Agreement(
        organisation=organisation, kind=kind, signed_on=signed_on, start=start, end=end, signatory=signatory
    )
    changed = ["agreement"]
    if document is not None:
        name = f"agreement-{secrets.token_hex(12)}.{document.extension}"
        agreement.document.save(name, ContentFile(document.data), save=False)
        changed.append(f"document:{document.kind}")
    try:
        agreement.full_clean()
        with transaction.atomic():
            agreement.save()
            audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=agreement, changed_fields=changed)
    except Exception:
        if agreement.document:
            agreement.document.delete(save=False)
        raise
    return agreement


def contact_add(
    *, actor: User, organisation: Organisation, name: str, role: str = "", phone: str = "", email: str = ""
) -> Contact:
    """A person to call at a partner; name, phone and email are encrypted."""
    _require(actor, organisation)
    if not (phone or email):
        raise ValidationError(_("Give a phone number or an email address."))
    contact = Contact(organisation=organisation, name=name, role=role, phone=phone, email=email)
    contact.full_clean()
    with transaction.atomic():
        contact.save()
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=contact, changed_fields=["contact"])
    return contact
