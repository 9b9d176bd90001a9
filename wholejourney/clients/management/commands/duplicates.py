"""`wholejourney duplicates --office KH`: an office's likely duplicates, most alike first, for administrators.

Prints client codes, the likeness and what the two share (kinds of tokens, the gap in years of
birth): never a name, so the output can sit in a terminal's scrollback or a ticket.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wholejourney.clients.duplicates import LIST_LIMIT, MIN_LIKENESS, likely_duplicates
from wholejourney.clients.models import Client
from wholejourney.core.models import Office


class Command(BaseCommand):
    help = "List an office's likely duplicate client records, most alike first (codes and likeness, no names)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--office", required=True, help="office code, e.g. KH")
        parser.add_argument("--limit", type=int, default=LIST_LIMIT, help=f"pairs to list (default {LIST_LIMIT})")
        parser.add_argument(
            "--min-likeness",
            type=int,
            default=MIN_LIKENESS,
            help=f"leave out pairs below this (default {MIN_LIKENESS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        office = Office.objects.filter(code=options["office"].upper()).first()
        if office is None:
            raise CommandError(f"No office {options['office']!r}.")
        started = time.perf_counter()
        pairs = likely_duplicates(office.pk, limit=options["limit"], minimum=options["min_likeness"])
        codes = dict(
            Client.objects.filter(pk__in={pk for pair in pairs for pk in (pair.a_id, pair.b_id)}).values_list(
                "pk", "code"
            )
        )
        self.stdout.write(f"{'likeness':>8}  {'record':<16} {'record':<16} shared")
        for pair in pairs:
            shared = ",".join(sorted(pair.shared))
            gap = "" if pair.year_gap is None else f" years_apart={pair.year_gap}"
            self.stdout.write(f"{pair.likeness:>8}  {codes[pair.a_id]:<16} {codes[pair.b_id]:<16} {shared}{gap}")
        self.stdout.write(
            f"{len(pairs)} pairs in {office.code} in {time.perf_counter() - started:.1f} s.", self.style.SUCCESS
        )
