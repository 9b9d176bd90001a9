"""`wholejourney restore FILE`: a backup back into an empty database (docs/security.md, "Backing up")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wholejourney.core.backup.archive import BackupError
from wholejourney.core.backup.operations import backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup into the configured database, which must be empty, with the keyring it was made "
        "under; then verify the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="The backup file `wholejourney backup` wrote.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_restore(path=options["backup"], say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for note in summary.notes:
            self.stdout.write(note)
        self.stdout.write(_("Restored %(files)s uploaded files.") % {"files": summary.files})
