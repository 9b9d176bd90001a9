"""Asking for, approving, building, downloading and expiring exports.

An export of codes only is built at once. One with identifying data waits for the approval of
the office's director (not the requester), then for the requester to confirm with a fresh code
from their authenticator app; each download needs that confirmation within the last 5 minutes.
Every export expires 24 hours after it is ready and its file is deleted. The request, the build,
every download (and, for identifying exports, each client whose records left) are audited.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission, permissions_of
from wholejourney.accounts.roles import Permission
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.clients.models import Client
from wholejourney.core.models import Office
from wholejourney.exports import files
from wholejourney.exports.models import ExportFormat, ExportKind, ExportRequest
from wholejourney.exports.tables import EXPORT_PERMISSION, TABLES
from wholejourney.notifications import events as notification_events

LIFETIME = datetime.timedelta(hours=24)
SECOND_FACTOR_FRESH = datetime.timedelta(minutes=5)
Status = ExportRequest.Status


def export_request(*, actor: User, kind: str, format: str, identifying: bool) -> ExportRequest:
    """Ask for an export of a list the actor may see. Codes only: approved at once (build it next);
    identifying: waits for the director."""
    if kind not in ExportKind.values:
        raise ValidationError({"kind": _("Choose what to export.")})
    if format not in ExportFormat.values:
        raise ValidationError({"format": _("Choose the file format.")})
    if EXPORT_PERMISSION[kind] not in permissions_of(actor):
        raise PermissionDenied
    if kind == ExportKind.OFFICE:
        # A whole office: names and all, in the import format (a workbook), for one office.
        if actor.office is None:
            raise ValidationError({"kind": _("An office export is made by an administrator of that office.")})
        format, identifying = ExportFormat.XLSX, True
    export = ExportRequest(
        requester=actor,
        office=actor.office,
        kind=kind,
        format=format,
        identifying=identifying,
        status=Status.REQUESTED if identifying else Status.APPROVED,
    )
    with transaction.atomic():
        export.full_clean()
        export.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            target=export,
            changed_fields=[kind, format, "identifying" if identifying else "codes_only"],
        )
        if not identifying:
            _build_later(export)
        notification_events.export_requested(export=export, actor=actor)
    return export


def _build_later(export: ExportRequest) -> None:
    """Queue the build once the request is committed, so the worker finds it approved."""
    from wholejourney.exports.tasks import build_export  # the task calls back into this module

    transaction.on_commit(lambda: build_export.enqueue(export.pk))


def may_decide(actor: User, export: ExportRequest) -> bool:
    """The director of the export's office (or a global one), never the requester."""
    if actor.pk == export.requester_id or not has_permission(actor, Permission.APPROVE_EXPORTS):
        return False
    return actor.office_id is None or actor.office_id == export.office_id


def export_decide(*, actor: User, export: ExportRequest, approve: bool, note: str = "") -> ExportRequest:
    if not may_decide(actor, export):
        raise PermissionDenied
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say why the export is declined.")})
    with transaction.atomic():
        locked = ExportRequest.objects.select_for_update().get(pk=export.pk)
        if locked.status != Status.REQUESTED:
            raise ValidationError(_("This export was already decided."))
        locked.status = Status.APPROVED if approve else Status.DECLINED
        locked.approved_by = actor if approve else None
        locked.decided_at, locked.decision_note = timezone.now(), note.strip()
        locked.save()
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=locked, changed_fields=[locked.status])
        notification_events.export_decided(export=locked, actor=actor)
    return locked


def second_factor_fresh(export: ExportRequest) -> bool:
    checked = export.second_factor_checked_at
    return checked is not None and timezone.now() - checked <= SECOND_FACTOR_FRESH


def export_confirm_second_factor(*, actor: User, export: ExportRequest, code: str) -> ExportRequest:
    """The requester confirms with a code from their authenticator app (recovery codes do not
    count: they are for signing in when the phone is lost, not for taking data out)."""
    if actor.pk != export.requester_id:
        raise PermissionDenied
    export.refresh_from_db()
    if not export.identifying or export.status not in (Status.APPROVED, Status.READY, Status.BUILDING):
        raise ValidationError(_("This export does not need a code now."))
    devices = TOTPDevice.objects.filter(user=actor, confirmed=True)
    if not devices.exists():
        raise ValidationError({"code": _("Set up your authenticator app first (on your account page).")})
    if not any(device.verify_token(code.strip()) for device in devices):
        audit_record(actor=actor, action=AuditEvent.Action.FAILED_LOGIN, target=export, changed_fields=["export_code"])
        raise ValidationError(
            {"code": _("That code is not correct or has expired. Try the newest code from your app.")}
        )
    with transaction.atomic():
        ExportRequest.objects.select_for_update().filter(pk=export.pk).update(second_factor_checked_at=timezone.now())
        export.refresh_from_db()
        audit_record(actor=actor, action=AuditEvent.Action.CHANGE, target=export, changed_fields=["second_factor"])
        if export.status == Status.APPROVED:
            _build_later(export)
    return export


def ready_to_build(export: ExportRequest) -> bool:
    if export.status != Status.APPROVED:
        return False
    return not export.identifying or second_factor_fresh(export)


def export_build(*, export_id: int) -> ExportRequest:
    """Write the file (run by the task worker): the list as the requester may see it now."""
    with transaction.atomic():
        export = ExportRequest.objects.select_for_update().select_related("requester").get(pk=export_id)
        if not ready_to_build(export):
            return export
        export.status = Status.BUILDING
        export.save(update_fields=["status"])
    actor = export.requester
    try:
        if export.kind == ExportKind.OFFICE:
            content, count, clients = _office_file(export)
        else:
            table = TABLES[export.kind](actor, export.identifying)
            content, count = files.render(export.format, table.header, table.rows)
            clients = table.clients
        path = files.store(export.pk, export.format, content)
    except Exception:
        ExportRequest.objects.filter(pk=export.pk).update(status=Status.APPROVED)
        raise
    now = timezone.now()
    with transaction.atomic():
        export.status, export.file_path, export.row_count = Status.READY, path, count
        export.ready_at, export.expires_at = now, now + LIFETIME
        export.save(update_fields=["status", "file_path", "row_count", "ready_at", "expires_at"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.EXPORT,
            target=export,
            changed_fields=[export.kind, f"rows:{count}", "identifying" if export.identifying else "codes_only"],
        )
        if export.identifying:
            for client in Client.objects.filter(pk__in=clients()).only("pk"):
                audit_record(
                    actor=actor, action=AuditEvent.Action.EXPORT, target=client, changed_fields=[f"export:{export.pk}"]
                )
    return export


def _office_file(export: ExportRequest) -> tuple[bytes, int, Any]:
    from wholejourney.exports.office import write_office_workbook  # imports builds on every app

    out = io.BytesIO()
    office: Office = export.office  # type: ignore[assignment]
    counts = write_office_workbook(office, out)
    clients = Client.objects.filter(office=office, erased_at__isnull=True).values_list("pk", flat=True)
    return out.getvalue(), sum(counts.values()), lambda: list(clients)


def export_open(*, actor: User, export: ExportRequest) -> tuple[str, str, bytes]:
    """The file to download: (file name, content type, bytes). Audited every time."""
    if actor.pk != export.requester_id:
        raise PermissionDenied
    export.refresh_from_db()
    export_expire_due(export)
    if not export.is_downloadable:
        raise ValidationError(_("This export is not ready, or it has expired."))
    if export.identifying and not second_factor_fresh(export):
        raise ValidationError(
            {"code": _("Confirm with a code from your authenticator app: it is needed within 5 minutes of a download.")}
        )
    content = files.load(export.pk, export.file_path)
    audit_record(actor=actor, action=AuditEvent.Action.EXPORT, target=export, changed_fields=["download"])
    day = timezone.localdate(export.ready_at) if export.ready_at else timezone.localdate()
    name = f"wholejourney-{export.kind}-{day:%Y%m%d}-{export.pk}.{export.format}"
    return name, files.CONTENT_TYPES[ExportFormat(export.format)], content


def export_expire_due(export: Any = None) -> int:
    """Expire the exports whose 24 hours are over (all of them, or the one given): the file is
    deleted and the export can no longer be downloaded."""
    due = ExportRequest.objects.filter(status=Status.READY, expires_at__lte=timezone.now())
    if export is not None:
        due = due.filter(pk=export.pk)
    expired = 0
    for item in due:
        files.remove(item.file_path)
        item.status, item.file_path = Status.EXPIRED, ""
        item.save(update_fields=["status", "file_path"])
        expired += 1
        if export is not None:
            export.status, export.file_path = item.status, item.file_path
    return expired
