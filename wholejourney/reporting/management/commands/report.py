"""`wholejourney report --year 2023 --office KH --format json|xlsx|pdf|html [--edition external] [-o FILE]`."""

from __future__ import annotations

import datetime
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from wholejourney.core.models import Office
from wholejourney.reporting.models import Edition, ReportFormat
from wholejourney.reporting.registry import Period
from wholejourney.reporting.services import render_report


class Command(BaseCommand):
    help = "Compute the report from the records, for a year or any dates, an office or all, in any format."

    def add_arguments(self, parser: CommandParser) -> None:
        when = parser.add_mutually_exclusive_group(required=True)
        when.add_argument("--year", type=int)
        when.add_argument("--from", dest="date_from", type=datetime.date.fromisoformat)
        parser.add_argument("--to", dest="date_to", type=datetime.date.fromisoformat)
        parser.add_argument("--office", default="all", help="An office code, or 'all'.")
        parser.add_argument("--format", default="json", choices=ReportFormat.values)
        parser.add_argument("--edition", default=Edition.INTERNAL, choices=Edition.values)
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, choices=[code for code, _name in settings.LANGUAGES]
        )
        parser.add_argument("-o", "--output", help="Write to this file instead of the screen (needed for pdf, xlsx).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["year"]:
            period = Period.year(options["year"])
        else:
            if not options["date_to"]:
                raise CommandError("--from needs --to.")
            try:
                period = Period(options["date_from"], options["date_to"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        office = None
        if options["office"].lower() != "all":
            office = Office.objects.filter(code=options["office"].upper()).first()
            if office is None:
                raise CommandError(f"No office with the code {options['office']!r}.")
        binary = options["format"] in (ReportFormat.PDF, ReportFormat.XLSX)
        if binary and not options["output"] and sys.stdout.isatty():
            raise CommandError(f"A {options['format']} report goes to a file: give -o FILE.")
        with translation.override(options["language"]):
            content = render_report(period=period, office=office, edition=options["edition"], format=options["format"])
        if options["output"]:
            with open(options["output"], "wb") as handle:
                handle.write(content)
        elif binary:
            self.stdout.flush()
            sys.stdout.buffer.write(content)
        else:
            self.stdout.write(content.decode().rstrip("\n"))
