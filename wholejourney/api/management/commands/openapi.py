"""`wholejourney openapi`: write the API's OpenAPI document to docs/openapi.json (`--check` only
says whether the committed one is current)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wholejourney.api.router import openapi_document

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "openapi.json"


class Command(BaseCommand):
    help = "Write the API's OpenAPI document to docs/openapi.json, or check that it is current."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if docs/openapi.json is not current.")
        parser.add_argument("-o", "--output", default=str(DOCUMENT), help="Where to write it.")

    def handle(self, *args: Any, **options: Any) -> None:
        document = openapi_document()
        path = Path(options["output"])
        if options["check"]:
            if not path.exists() or path.read_text(encoding="utf-8") != document:
                raise CommandError(f"{path} is not current: run `wholejourney openapi` and commit it.")
            self.stdout.write(f"{path} is current.")
            return
        path.write_text(document, encoding="utf-8")
        self.stdout.write(f"Wrote {path}.")
