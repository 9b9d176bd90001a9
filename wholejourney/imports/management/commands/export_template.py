"""`wholejourney export-template [-o FILE]`: the example import workbook (docs/import-format.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wholejourney.imports.template import template_workbook


class Command(BaseCommand):
    help = "Write the example import workbook: every sheet with its columns, example rows and a help sheet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", default="wholejourney-import-template.xlsx", help="where to write it")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["output"])
        template_workbook(target)
        self.stdout.write(f"Wrote {target}")
