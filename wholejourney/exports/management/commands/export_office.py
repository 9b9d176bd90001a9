"""`wholejourney export_office --office KH FILE`: the whole office as a workbook in the import format
(docs/import-format.md), to move it to another installation with `wholejourney import`.

It holds every name and note of the office: the file is written as the administrator named
(who must hold the import permission for the office), and the export is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from wholejourney.accounts.models import User
from wholejourney.accounts.permissions import has_permission
from wholejourney.accounts.roles import Permission, Role
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.core.models import Office
from wholejourney.exports.office import write_office_workbook


class Command(BaseCommand):
    help = "Write an office's records as a workbook in the import format (names included: keep it safe)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx file to write")
        parser.add_argument("--office", required=True, help="the office's code, e.g. KH")
        parser.add_argument("--user", help="the administrator the export is recorded as (default: the only one)")

    def handle(self, *args: Any, **options: Any) -> None:
        office = Office.objects.filter(code=options["office"].upper()).first()
        if office is None:
            raise CommandError(f"No office has the code {options['office']!r}.")
        actor = self._actor(options.get("user"), office)
        if not has_permission(actor, Permission.IMPORT_DATA, obj=office):
            raise CommandError(f"{actor.username} may not move {office.code}'s records in or out.")
        path = Path(options["file"])
        with path.open("wb") as out:
            counts = write_office_workbook(office, out)
        path.chmod(0o600)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.EXPORT,
            target=office,
            changed_fields=["office_workbook", *(f"{sheet}:{n}" for sheet, n in counts.items() if n)],
        )
        for sheet, count in counts.items():
            self.stdout.write(f"{sheet:<18} {count:>9} rows")
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({office.code})."))

    def _actor(self, username: str | None, office: Office) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active account is called {username!r}.")
            return user
        admins = (
            User.objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(roles__role=Role.ADMINISTRATOR.value))
            .distinct()
        )
        candidates = [user for user in admins if user.office_id in (None, office.pk)]
        if len(candidates) != 1:
            raise CommandError("Name the administrator the export is recorded as: --user USERNAME.")
        return candidates[0]
