"""`wholejourney import --office KH FILE`: bring an office's history in from a workbook (XLSX) or a
folder of CSV files, with progress on the terminal. See docs/import-format.md."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from wholejourney.accounts.models import User
from wholejourney.accounts.roles import Role
from wholejourney.core.models import Office
from wholejourney.imports import tasks
from wholejourney.imports.models import ImportRun


class Command(BaseCommand):
    help = "Import an office's records from an XLSX workbook or a folder of CSV files (docs/import-format.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx workbook, or a folder of CSV files named after the sheets")
        parser.add_argument("--office", required=True, help="the office's code, e.g. KH")
        parser.add_argument(
            "--user",
            help="the administrator the import is recorded as (default: the only active administrator)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        office = Office.objects.filter(code=options["office"].upper()).first()
        if office is None:
            raise CommandError(f"No office has the code {options['office']!r}.")
        actor = self._actor(options.get("user"), office)
        path = Path(options["file"])
        progress = TerminalProgress(self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr)
        try:
            run = tasks.import_path(actor=actor, office=office, path=path, on_progress=progress)
        except PermissionDenied as exc:
            raise CommandError(f"{actor.username} may not import into {office.code}.") from exc
        finally:
            progress.end()
        if run.status != ImportRun.Status.SUCCEEDED:
            for problem in tasks.problems_shown(run):
                where = ", ".join(
                    part
                    for part in (problem["sheet"], f"row {problem['row']}" if problem["row"] else "", problem["column"])
                    if part
                )
                self.stdout.write(f"{where}: {problem['message']}")
            total = run.counts.get("problems", len(run.errors))
            shown = "" if total == len(run.errors) else f" ({len(run.errors)} shown)"
            raise CommandError(f"{total} problems{shown}: nothing was imported.")
        for sheet, counts in run.counts.items():
            self.stdout.write(
                f"{sheet:<18} {counts['rows']:>9} rows  {counts['created']:>9} added  "
                f"{counts['updated']:>7} updated  {counts['unchanged']:>9} unchanged"
            )
        self.stdout.write(self.style.SUCCESS(f"Imported into {office.code} (import {run.pk})."))

    def _actor(self, username: str | None, office: Office) -> User:
        admins = (
            User.objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(roles__role=Role.ADMINISTRATOR.value))
            .distinct()
        )
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active account is called {username!r}.")
            return user
        candidates = [user for user in admins if user.office_id in (None, office.pk)]
        if len(candidates) != 1:
            raise CommandError("Name the administrator the import is recorded as: --user USERNAME.")
        return candidates[0]


class TerminalProgress:
    """One line that counts up: checking, then recording."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.phase = ""
        self.shown = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        label = "Checking" if phase == "check" else "Recording"
        if phase != self.phase and self.shown:
            self.out.write("\n")
        self.phase = phase
        percent = f" {done * 100 // total:3d}%" if total else ""
        width = 30
        filled = width * done // total if total else 0
        bar = f" [{'#' * filled}{'.' * (width - filled)}]" if total else ""
        self.out.write(f"\r{label}{bar}{percent} {done:,} / {total:,} rows")
        self.out.flush()
        self.shown = True

    def end(self) -> None:
        if self.shown:
            self.out.write("\n")
            self.out.flush()
