"""`wholejourney retention_due`: for a daily job, how many clients of each office are past its
retention rule (codes only with --list). The directors see the same list on their home page; nothing
is erased."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from wholejourney.erasure.models import RetentionRule
from wholejourney.erasure.selectors import due_for_erasure


class Command(BaseCommand):
    help = "Count the clients each office's retention rule says are due for erasure (nothing is erased)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="also print their codes")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        for rule in RetentionRule.objects.select_related("office").order_by("office__code"):
            due = due_for_erasure(rule.office, today)
            self.stdout.write(f"{rule.office.code}: {due.count()} due for erasure")
            if options["list"]:
                for code in due.values_list("code", flat=True):
                    self.stdout.write(f"  {code}")
