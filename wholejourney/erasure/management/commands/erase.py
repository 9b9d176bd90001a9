"""`wholejourney erase --request 12 --user admin`: carry out an approved erasure request.

For administrators (or the office's director): the same service and the same approval record as the
director's page. Without a request the director approved, nothing is erased. Prints the client's
code, never a name.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wholejourney.accounts.models import User
from wholejourney.erasure.models import ErasureRequest
from wholejourney.erasure.services import erasure_carry_out


class Command(BaseCommand):
    help = "Carry out an erasure request the office's director approved (codes only in the output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--request", type=int, required=True, help="the erasure request's number")
        parser.add_argument("--user", required=True, help="your username: an administrator or the office's director")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        request = ErasureRequest.objects.select_related("client").filter(pk=options["request"]).first()
        if user is None or request is None:
            raise CommandError("No such user or erasure request.")
        try:
            done = erasure_carry_out(actor=user, request=request)
        except PermissionDenied as exc:
            raise CommandError("This user may not carry out erasures of that office.") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Erased {done.client.code} (request {done.pk}, approved by {done.decided_by}).")
