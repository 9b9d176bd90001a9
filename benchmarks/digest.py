"""Daily digest benchmark (issue 19): an office of 20,000 clients and 100 staff, on PostgreSQL.

    .venv/bin/python benchmarks/digest.py [--clients 20000] [--staff 100] [--referrals 40] [--keep]

It creates a fresh database (dropped first, dropped again at the end unless --keep), migrates it,
creates the demo accounts and the caseload benchmark's 20 Cambodia teams, loads `--clients` clients
with the caseload benchmark's loader (real encrypted records), and then measures the digest twice
in the same database:

1. with the intake staff the accounts give (61): `--referrals` normal referrals arrive through `referral_receive` (each
   tells every intake member of the office, digest by default), and every member is also told of
   a break-glass access to 10 clients of their caseload; then `digest_build` is timed and its
   queries counted;
2. the same again after the office has grown to `--staff` members, and again at twice that.

The calendar scan that runs before it (court dates, overdue visits and reviews: a few queries per
person, since each asks that person's caseload) is timed apart. Target: the digest builds in under 30 s, with a number of queries that does not grow with the
staff (the third row is there to show it). Sending the digests (one email per person, each re-checking what that person may still
open, to Django's in-memory mail backend) is timed too, per person.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.common import drop_database, recreate_database, setup_django  # noqa: E402

TARGET_SECONDS = 30.0
BREAK_GLASS_PER_PERSON = 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--staff", type=int, default=100, help="intake staff of the office at the end")
    parser.add_argument("--referrals", type=int, default=40, help="normal referrals per measured day")
    parser.add_argument("--db", default="wj_h19_bench_digest", help="database to create (dropped first)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--keep", action="store_true", help="keep the database (and its keyring) at the end")
    return parser.parse_args()


def grow_staff(office: Any, size: int) -> list[Any]:
    """Add case managers (with email addresses) until the office has `size` intake staff."""
    from wholejourney.accounts.models import Team, User, UserRole
    from wholejourney.accounts.roles import Permission, Role
    from wholejourney.notifications.services import staff_with

    teams = list(Team.objects.filter(office=office).order_by("pk"))
    current = staff_with(office.pk, Permission.MANAGE_CASES).count()
    for number in range(current, size):
        user = User.objects.create(
            username=f"digest-cm{number:03d}",
            office=office,
            team=teams[number % len(teams)],
            first_name="Bench",
            last_name="Digest",
        )
        UserRole.objects.create(user=user, role=Role.CASE_MANAGER)
    User.objects.filter(office=office).update(email="staff@example.org")
    return list(staff_with(office.pk, Permission.MANAGE_CASES))


def a_day_of_events(office: Any, staff: list[Any], referrals: int, rng: random.Random) -> int:
    """Normal referrals through the service, and break-glass notices about clients of each person's
    caseload (written directly: the benchmark is about the digest, not break-glass)."""
    import datetime

    from django.utils import timezone

    from wholejourney.accounts.models import User
    from wholejourney.cases.models import Urgency
    from wholejourney.cases.services import referral_receive
    from wholejourney.clients.models import Client
    from wholejourney.notifications.models import Delivery, Kind, Notification

    director = User.objects.get(username="director")
    for number in range(referrals):
        referral_receive(
            actor=director,
            office=office,
            referred_on=timezone.localdate() - datetime.timedelta(days=1),
            source="community",
            urgency=Urgency.NORMAL,
            reason="Benchmark",
            person={"name": f"Benchmark person {number}"},
        )
    notices = []
    for person in staff:
        mine = list(
            Client.objects.filter(office=office, team_id=person.team_id)
            .order_by("?")
            .values_list("pk", flat=True)[:BREAK_GLASS_PER_PERSON]
        )
        notices += [
            Notification(
                recipient=person,
                kind=Kind.BREAK_GLASS,
                office=office,
                target_type="clients.client",
                target_id=client_id,
                event_key=f"clients.client:{client_id}:bench:{rng.random()}",
                delivery=Delivery.DIGEST,
            )
            for client_id in mine
        ]
    Notification.objects.bulk_create(notices, batch_size=2000)
    return Notification.objects.filter(delivery=Delivery.DIGEST, digested_at__isnull=True).count()


def measure(label: str, staff: int, waiting: int) -> dict[str, Any]:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from wholejourney.notifications import delivery
    from wholejourney.notifications.models import Outbox
    from wholejourney.notifications.reminders import reminders_build

    with CaptureQueriesContext(connection) as scan_queries:
        started = time.perf_counter()
        reminders_build()
        scan_seconds = time.perf_counter() - started
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        digests = delivery.digest_build()
        build_seconds = time.perf_counter() - started
    rows = list(
        Outbox.objects.filter(channel=Outbox.Channel.DIGEST, status=Outbox.Status.PENDING).values_list("pk", flat=True)
    )
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        with CaptureQueriesContext(connection) as send_queries:
            started = time.perf_counter()
            for pk in rows:
                delivery.deliver(pk)
            send_seconds = time.perf_counter() - started
        sent = len(mail.outbox)
    return {
        "label": label,
        "staff": staff,
        "waiting": waiting,
        "digests": digests,
        "build_s": build_seconds,
        "build_queries": len(queries.captured_queries),
        "sent": sent,
        "send_s": send_seconds,
        "send_queries_per_person": len(send_queries.captured_queries) / max(sent, 1),
        "scan_s": scan_seconds,
        "scan_queries": len(scan_queries.captured_queries),
    }


def main() -> None:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="wj-bench-digest-"))
    print(f"database {args.db} on {args.server}; keyring and var/ in {var_dir}")
    recreate_database(args.server, args.db)
    try:
        ok = run(args, var_dir)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept database {args.db} (keyring in {var_dir})")
        else:
            drop_database(args.server, args.db)
            shutil.rmtree(var_dir, ignore_errors=True)
    sys.exit(0 if ok else 1)


def run(args: argparse.Namespace, var_dir: Path) -> bool:
    setup_django(f"{args.server}/{args.db}", var_dir)
    from django.core.management import call_command

    from benchmarks.caseload import Loader, build_people
    from wholejourney.clients.models import Client

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    people = build_people()
    print(f"migrated, accounts and teams in {time.perf_counter() - started:.1f} s; loading {args.clients:,} clients")
    loader, office = Loader(people), people.kh
    while Client.objects.filter(office=office).count() < args.clients:  # the loader puts a tenth in VN
        missing = args.clients - Client.objects.filter(office=office).count()
        loader.load(loader.loaded + max(missing * 10 // 9, 100))
    print(f"office {office.code}: {Client.objects.filter(office=office).count():,} clients")

    rng = random.Random(19)
    results = []
    first = len(grow_staff(office, 0))  # the demo's and the caseload benchmark's intake staff
    for label, size in (("to begin", first), ("the office", args.staff), ("twice as many", 2 * args.staff)):
        staff = grow_staff(office, size)
        waiting = a_day_of_events(office, staff, args.referrals, rng)
        results.append(measure(label, len(staff), waiting))

    print()
    print(
        f"{'':14} {'staff':>6} {'waiting':>8} {'digests':>8} {'build s':>8} {'queries':>8}"
        f" {'send s':>7} {'q/person':>9} {'scan s':>7} {'scan q':>7}"
    )
    for r in results:
        print(
            f"{r['label']:14} {r['staff']:>6} {r['waiting']:>8,} {r['digests']:>8} {r['build_s']:>8.2f}"
            f" {r['build_queries']:>8} {r['send_s']:>7.2f} {r['send_queries_per_person']:>9.1f}"
            f" {r['scan_s']:>7.2f} {r['scan_queries']:>7}"
        )
    print("build: digest_build (the target); send: the worker's emails; scan: the calendar reminders (per person)")
    fast = all(r["build_s"] < TARGET_SECONDS for r in results)
    flat = len({r["build_queries"] for r in results}) == 1
    print(
        f"\nbuild under {TARGET_SECONDS:.0f} s: {'yes' if fast else 'NO'}; queries independent of staff: {'yes' if flat else 'NO'}"
    )
    return fast and flat


if __name__ == "__main__":
    main()
