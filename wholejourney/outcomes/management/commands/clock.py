"""`wholejourney clock rebuild`: recompute every client's stored clock state and runs from their records."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wholejourney.outcomes.services import clock_rebuild


class Command(BaseCommand):
    help = "Work with the stability clock. `rebuild` rewrites every client's clock state from their records."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser(
            "rebuild", help="Recompute every ClockState and ClockRun (after a rule change, a restore or a bulk load)."
        )
        rebuild.add_argument("--batch-size", type=int, default=1000, help="clients per batch (default 1000)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        count = clock_rebuild(batch_size=options["batch_size"])
        self.stdout.write(f"Clock state rebuilt for {count} clients in {time.perf_counter() - started:.1f} s.")
