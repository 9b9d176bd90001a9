"""`wholejourney keys status|rotate|retire`: manage the encryption keys (see docs/security.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.core import crypto
from wholejourney.core.keys import key_usage, reencrypt_stale


class Command(BaseCommand):
    help = "Show, rotate and retire the master keys that protect identifying data."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="Which keys exist and how many values each protects.")
        rotate = sub.add_parser(
            "rotate",
            help="Add a new master key and re-encrypt every value under it. "
            "If a previous rotation was interrupted, finish it instead of adding another key.",
        )
        rotate.add_argument("--batch-size", type=int, default=500)
        retire = sub.add_parser("retire", help="Remove an old master key that no value uses any more.")
        retire.add_argument("key_id")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(**options)

    def _status(self, **options: Any) -> None:
        ring = crypto.load_keyring()
        usage = key_usage()
        where = crypto.keyring_path() or "WJ_KEYS"
        self.stdout.write(f"Keyring: {where}")
        for kid in ring.master_keys:
            marker = " (active)" if kid == ring.active_master else ""
            self.stdout.write(f"  master key {kid}{marker}: {usage.get(kid, 0)} values")
        self.stdout.write(f"  under clients' data keys: {usage.get('data keys', 0)} values")
        missing = [kid for kid in usage if kid not in ring.master_keys and kid != "data keys"]
        if missing:
            raise CommandError(f"Values need keys that are not in the keyring: {', '.join(missing)}")

    def _rotate(self, batch_size: int, **options: Any) -> None:
        ring = crypto.load_keyring()
        stale = {kid for kid in key_usage() if kid not in (ring.active_master, "data keys")}
        if stale:
            self.stdout.write(
                f"Finishing an earlier rotation onto {ring.active_master} (values left under {', '.join(sorted(stale))})."
            )
        else:
            new = crypto.add_master_key()
            self.stdout.write(f"Added master key {new}; it is now the active key.")

        def progress(label: str, done: int, total: int) -> None:
            self.stdout.write(f"  {label}: {done}/{total}")

        moved = reencrypt_stale(batch_size=batch_size, progress=progress)
        audit_record(
            actor=None,
            action=AuditEvent.Action.CHANGE,
            object_type="core.keyring",
            object_id=crypto.load_keyring().active_master,
            changed_fields=["master_key"],
            username="wholejourney keys rotate",
        )
        self.stdout.write(f"Done: {moved} values re-encrypted under {crypto.load_keyring().active_master}.")
        self.stdout.write("Back up the keyring now: the old keys stay in it until you retire them.")

    def _retire(self, key_id: str, **options: Any) -> None:
        usage = key_usage()
        if usage.get(key_id):
            raise CommandError(f"{usage[key_id]} values still use {key_id}; run `wholejourney keys rotate` first.")
        try:
            crypto.retire_master_key(key_id)
        except (KeyError, ValueError) as exc:
            raise CommandError(f"Cannot retire {key_id}: {exc}") from exc
        self.stdout.write(f"Retired {key_id}.")
