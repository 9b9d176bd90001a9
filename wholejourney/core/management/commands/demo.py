"""Build the demo organisation: `wholejourney demo [--reset]`."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from wholejourney.accounts.models import User
from wholejourney.audit.services import audit_trail_wipe
from wholejourney.demo.accounts import DEFAULT_DEMO_PASSWORD, DEMO_USERS, build_accounts, demo_password
from wholejourney.demo.office import build_demo_office


class Command(BaseCommand):
    help = "Create the demo offices, teams and accounts (and, with --reset, wipe the database first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Delete every record first, then rebuild the demo.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        if options["reset"]:
            audit_trail_wipe()
        if User.objects.exists():
            self.stdout.write("The database already has accounts; leaving it as it is (use --reset to rebuild).")
        else:
            try:
                with transaction.atomic():
                    build_accounts()
                build_demo_office()  # commits step by step (see there)
            except BaseException:
                audit_trail_wipe()  # all or nothing: no half-built demo is left behind
                raise
            self.stdout.write(f"Demo built in {time.monotonic() - started:.1f} s.")
        self._print_logins()

    def _print_logins(self) -> None:
        password = demo_password()
        shown = password if password == DEFAULT_DEMO_PASSWORD else "(the value of WJ_DEMO_PASSWORD)"
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {shown})")
        for spec in DEMO_USERS:
            where = spec.office or "all offices"
            self.stdout.write(f"  {spec.username:<16} {spec.role.label} · {where}")
