"""`wholejourney audit verify`: check the audit trail's hash chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wholejourney.audit.services import audit_verify


class Command(BaseCommand):
    help = "Work with the audit trail. `verify` checks that no row was changed, removed or inserted."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Check the hash chain from its first row to its last.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        if not report.ok:
            raise CommandError(
                f"Audit trail BROKEN at row {report.broken_seq}: {report.reason}. {report.checked} rows before it are intact."
            )
        self.stdout.write(f"Audit trail intact: {report.checked} rows, every link verified.")
