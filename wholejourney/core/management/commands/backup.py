"""`wholejourney backup [-o FILE]`: the database and the uploaded files in one encrypted file; the
keyring is not in it and must be kept apart (docs/security.md, "Backing up")."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from wholejourney.core.backup.archive import BackupError
from wholejourney.core.backup.operations import backup_create


class Command(BaseCommand):
    help = (
        "Write a consistent, encrypted backup of the database and the uploaded files. The keyring is not "
        "in it: keep a copy of the keyring apart, or the backup cannot be restored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help="The file to write (never overwritten). Default: wholejourney-<time>.backup here.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        output = options["output"] or Path(f"wholejourney-{stamp}.backup")
        try:
            summary = backup_create(output=output, say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "Backup written to %(path)s: %(megabytes).1f MB, %(tables)s tables with %(rows)s rows and "
                "%(files)s files, encrypted under a key derived from master key %(key)s. The keyring is not "
                "in it: keep the keyring's copy apart."
            )
            % {
                "path": summary.path,
                "megabytes": summary.size / 1e6,
                "tables": summary.tables,
                "rows": summary.rows,
                "files": summary.files,
                "key": summary.key_id,
            }
        )
