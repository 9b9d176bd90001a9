"""`wholejourney audit verify` checks the audit trail's MAC chain against its latest signed checkpoint;
`wholejourney audit checkpoint` writes a new checkpoint and prints it for keeping off-site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wholejourney.audit.checkpoints import CheckpointError
from wholejourney.audit.services import ChainReport, audit_checkpoint, audit_verify


class Command(BaseCommand):
    help = (
        "Work with the audit trail. `verify` checks that no row was changed, removed, inserted or reordered, "
        "and that none was cut from the end since the last checkpoint; `checkpoint` records where the trail ends."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Check the chain from its first row to its last, and the checkpoint.")
        verify.add_argument(
            "--checkpoint",
            type=Path,
            help="Check against this checkpoint file (a copy kept off-site) instead of the checkpoint directory.",
        )
        sub.add_parser("checkpoint", help="Verify the chain, then write and print a signed checkpoint of it.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = audit_verify(checkpoint_path=options.get("checkpoint"))
        except CheckpointError as exc:
            raise CommandError(f"Audit trail NOT VERIFIED: {exc}.") from exc
        except FileNotFoundError as exc:
            raise CommandError(f"No checkpoint file at {exc.filename}.") from exc
        if not report.ok:
            raise CommandError(
                f"Audit trail BROKEN at row {report.broken_seq}: {report.reason}. {report.checked} rows before it are intact."
            )
        if options["action"] == "verify":
            self.stdout.write(f"Audit trail intact: {report.checked} rows, every link verified.{_against(report)}")
        checkpoint, path = audit_checkpoint(report=report)
        if options["action"] == "checkpoint":
            self.stdout.write(f"Audit trail intact: {report.checked} rows. Checkpoint written to {path}; keep a copy:")
            self.stdout.write(checkpoint.to_json())


def _against(report: ChainReport) -> str:
    if report.checkpoint is None:
        return " No checkpoint yet: rows cut from the end would show only against the chain's head."
    return f" It matches the checkpoint of {report.checkpoint.at} ({report.checkpoint.rows} rows)."
