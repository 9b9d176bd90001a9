"""`wholejourney notifications send|digest|webhook`: the notification chores.

wholejourney notifications send                 send the emails and webhook posts that are due
                                                (a safety net for cron; the worker is woken at
                                                each event and retries by itself)
wholejourney notifications digest               queue and send the daily digests, forget
                                                notifications older than 90 days (cron, daily)
wholejourney notifications webhook --office KH --url https://… [--user admin] [--off]
                                                set an office's webhook; prints its new signing
                                                secret once (docs/webhooks.md)
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wholejourney.accounts.models import User
from wholejourney.core.models import Office
from wholejourney.notifications import delivery, reminders, services


class Command(BaseCommand):
    help = "Send due notification messages, build the daily digest, or set an office's webhook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["send", "digest", "webhook"])
        parser.add_argument("--office", help="webhook: the office's code, e.g. KH")
        parser.add_argument("--url", help="webhook: where to post (https://…)")
        parser.add_argument("--user", help="webhook: the administrator it is recorded as")
        parser.add_argument("--off", action="store_true", help="webhook: keep it but stop posting")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "send":
            sent = delivery.deliver_due()
            self.stdout.write(f"sent {sent}; outbox {delivery.outbox_stats()}")
        elif action == "digest":
            reminded = reminders.reminders_build()
            self.stdout.write(f"calendar reminders {reminded}")
            built = delivery.digest_build()
            purged = services.notifications_purge()
            sent = delivery.deliver_due()
            self.stdout.write(f"digests queued {built}; sent {sent}; notifications forgotten {purged}")
        else:
            self._webhook(options)

    def _webhook(self, options: dict[str, Any]) -> None:
        office = Office.objects.filter(code=(options.get("office") or "").upper()).first()
        if office is None or not options.get("url"):
            raise CommandError("Give --office CODE and --url https://….")
        actor = User.objects.filter(username=options.get("user") or "", is_active=True).first()
        if actor is None:
            actor = User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
        if actor is None:
            raise CommandError("Give --user, an administrator of the office.")
        try:
            _hook, secret = services.webhook_set(
                actor=actor, office=office, url=options["url"], is_active=not options["off"]
            )
        except PermissionDenied as exc:
            raise CommandError(f"{actor.username} may not change {office.code}'s settings.") from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Webhook of {office.code} set. Its signing secret (shown once, keep it in the receiver):")
        self.stdout.write(secret)
