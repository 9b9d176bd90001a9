"""A national-scale database for the benchmarks (issues 6 and 9), on PostgreSQL.

    .venv/bin/python benchmarks/national.py                 # build wj_bench_national, or say it is there
    .venv/bin/python benchmarks/national.py --rebuild       # drop it and build it again
    .venv/bin/python benchmarks/national.py --scale 0.1     # a tenth of everything (wj_bench_national_10pct)

Importable too: `prepare(scale=…)` builds the database unless it already holds this scale (a marker
table says which), points Django at it and returns what the benchmarks need (`services.py`,
`report.py --national`).

At scale 1: 100,000 clients (90% Cambodia over 20 teams, 10% Vietnam), each with a data key, names,
date of birth, phone and address encrypted under it through the model fields' own `pre_save` (the
ciphertext is bound to the model, field and row, so it cannot be shared between rows), their
blind-index tokens, a current case and for a third an earlier one, referrals and placements;
5,000,000 care records over the tables the client timeline and the report read (counseling
sessions and attendance, treatment plans, legal services, cases and milestones, education,
economic services, trainings, stipends, employment, visits, care plans and reviews), dated
2021-2024; assessments, crises and economic surveys; the stored clock states and runs (through
`clock_rebuild`); 200,000 programme participants with their activities and attendance, community
groups and their plans, campaigns, meetings, donations and events. Most clients have a short
history (exponential, median about 30 records); twelve of the demo team have thousands (2,000 to
10,000 records).

Only the clients and their keys go through Python; everything else is written by set-based SQL
(`INSERT … SELECT … generate_series`) from a plan table (`bench.client`) after `migrate`. Notes are
left empty except on every record of the demo team's clients (the ones the benchmarks open), where
they are encrypted under the client's key like a real note, so a page that shows them decrypts them.

The keyring the values are encrypted under is kept in var/bench/<database>/ (the database is
useless without it); `--rebuild` starts both afresh. A reused database is migrated first, so new
indexes of the product are in it.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import math
import os
import random
import shutil
import sys
import time
import types
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.common import admin_connection, recreate_database, setup_django  # noqa: E402

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_DATABASE = "wj_bench_national"
# Bump when the builder writes different data: a database built by an older builder is rebuilt.
BUILDER_VERSION = 1
SEED = 2024

CLIENTS = 100_000
SERVICES = 5_000_000
PARTICIPANTS = 200_000
KH_SHARE = 0.9
TEAMS_KH = 20
TEAMS_VN = 2
# The long histories, all in the demo team (the demo counselor and case manager can open them).
LONG_HISTORIES = [10_000, 8_000, 6_000, 5_000, 4_000, 4_000, 3_000, 3_000, 2_500, 2_000, 2_000, 2_000]

FIRST_DAY = datetime.date(2021, 1, 1)
LAST_DAY = datetime.date(2024, 12, 31)

# How a client's records divide between the kinds, by the area of work they belong to. A client
# gets the kinds of an area only if they are served in it (see _flags).
KIND_WEIGHTS: dict[str, tuple[str, float]] = {
    "session": ("counseling", 0.36),
    "treatment": ("counseling", 0.01),
    "visit": ("casework", 0.19),
    "care_plan": ("casework", 0.015),
    "review": ("casework", 0.025),
    "legal_service": ("legal", 0.09),
    "legal_case": ("legal", 0.01),
    "milestone": ("legal", 0.02),
    "education": ("education", 0.10),
    "economic": ("economic", 0.12),
    "training": ("economic", 0.015),
    "stipend": ("economic", 0.03),
    "employment": ("economic", 0.01),
}
GROUP_SHARE = 0.1  # of counseling attendances, in group or family sessions (about 4 attendees)
NOTES = [
    "Practised relaxation and breathing; felt calmer at the end.",
    "Talked about her family and the move back to the village.",
    "Reviewed the safety plan together; no new concerns.",
    "Worked on the trauma narrative, chapter three.",
    "Came with her aunt; discussed school fees for next term.",
    "Tired after night shifts; agreed to meet in the afternoon next time.",
]


@dataclass(frozen=True)
class Scale:
    factor: float = 1.0

    @property
    def clients(self) -> int:
        return round(CLIENTS * self.factor)

    @property
    def services(self) -> int:
        return round(SERVICES * self.factor)

    @property
    def participants(self) -> int:
        return round(PARTICIPANTS * self.factor)

    @property
    def long_histories(self) -> list[int]:
        return LONG_HISTORIES[: max(3, math.ceil(len(LONG_HISTORIES) * self.factor))]

    def marker(self) -> dict[str, Any]:
        return {
            "builder": BUILDER_VERSION,
            "seed": SEED,
            "clients": self.clients,
            "services": self.services,
            "participants": self.participants,
        }


def default_database(factor: float) -> str:
    return DEFAULT_DATABASE if factor == 1 else f"{DEFAULT_DATABASE}_{round(factor * 100)}pct"


@dataclass
class National:
    """The database the benchmarks run on, once Django points at it."""

    database: str
    url: str
    scale: Scale
    var_dir: Path
    built_now: bool
    build_seconds: float
    built_at: str


# --- the database, its marker and Django ----------------------------------------------------------


def read_marker(server: str, name: str) -> dict[str, Any] | None:
    """What the database says it was built with, or None if it is not there or unfinished."""
    with admin_connection(server) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return None
    with psycopg.connect(f"{server}/{name}") as conn:
        found = conn.execute("SELECT to_regclass('bench.marker')").fetchone()
        if not found or found[0] is None:
            return None
        row = conn.execute("SELECT scale, built_at::text, seconds FROM bench.marker").fetchone()
    if row is None:
        return None
    return {"scale": json.loads(row[0]), "built_at": row[1], "seconds": row[2]}


def prepare(
    *,
    scale: float = 1.0,
    database: str | None = None,
    server: str = DEFAULT_SERVER,
    rebuild: bool = False,
    var_dir: Path | None = None,
) -> National:
    """Django pointed at the national database of this scale, built first unless already there."""
    wanted = Scale(scale)
    name = database or default_database(scale)
    var_dir = var_dir or REPO / "var" / "bench" / name
    url = f"{server}/{name}"
    stored = read_marker(server, name)
    keyring = var_dir / "keys" / "keyring.json"
    reuse = not rebuild and stored is not None and stored["scale"] == wanted.marker() and keyring.exists()
    if not reuse:
        why = "asked to rebuild" if rebuild else "not built" if stored is None else "built differently or no keyring"
        print(f"building {name} ({why}): {wanted.clients:,} clients, {wanted.services:,} records, "
              f"{wanted.participants:,} participants; keyring in {var_dir}")  # fmt: skip
        recreate_database(server, name)
        shutil.rmtree(var_dir, ignore_errors=True)
        var_dir.mkdir(parents=True)
    setup_django(url, var_dir)
    from django.core.management import call_command

    if reuse:
        assert stored is not None  # noqa: S101 (narrowing for mypy)
        started = time.perf_counter()
        call_command("migrate", verbosity=0)  # the product's new migrations (indexes) apply to it too
        print(f"reusing {name} built {stored['built_at'][:19]} in {stored['seconds']:.0f} s "
              f"(migrate: {time.perf_counter() - started:.1f} s)")  # fmt: skip
        return National(name, url, wanted, var_dir, False, stored["seconds"], stored["built_at"])
    seconds = Builder(wanted).build()
    marker = read_marker(server, name)
    assert marker is not None  # noqa: S101
    return National(name, url, wanted, var_dir, True, seconds, marker["built_at"])


# --- building ---------------------------------------------------------------------------------


@dataclass
class Team:
    id: int
    office_id: int
    office_code: str
    case_managers: list[int]
    counselors: list[int]


@dataclass
class Builder:
    scale: Scale
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    timings: list[tuple[str, float]] = field(default_factory=list)
    # The data keys of the demo team's clients, to encrypt their notes with.
    keys: dict[int, tuple[str, bytes]] = field(default_factory=dict)

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        from django.db import transaction

        started = time.perf_counter()
        print(f"  {label} …", end="", flush=True)
        with transaction.atomic():
            yield
        seconds = time.perf_counter() - started
        self.timings.append((label, seconds))
        print(f" {seconds:.1f} s", flush=True)

    def _version_defaults(self) -> None:
        """Columns added after this builder was written have their defaults in Python only: a
        correctable record's `version` (issue 18), and blank texts such as a referral's
        `service_asked` or `outcome` (issue 21). Give them defaults in the database too, so the
        COPY and INSERT … SELECT below need not name them."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND is_nullable = 'NO' AND column_default IS NULL "
                "AND (column_name = 'version' OR data_type IN ('character varying', 'text'))"
            )
            for table, column, data_type in cursor.fetchall():
                default = sql.Literal(1) if column == "version" else sql.Literal("")
                if column != "version" and data_type not in ("character varying", "text"):
                    continue
                statement = sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                    sql.Identifier(table), sql.Identifier(column), default
                )
                cursor.execute(statement.as_string(cursor.connection))

    def build(self) -> float:
        from django.core.management import call_command
        from django.db import connection

        started = time.perf_counter()
        with connection.cursor() as cursor:
            # This session only: big sorts in memory, no wait for each commit's flush.
            cursor.execute("SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'; SET synchronous_commit = off")
            cursor.execute("SELECT setseed(0.2024)")
        with self.step("migrate"):
            call_command("migrate", verbosity=0)
            self._version_defaults()
        with self.step("offices, teams and staff"):
            self.teams = self._people()
        with self.step("partner organisations, agreements, foster families"):
            self._partners()
        with self.step("clients: data keys, encrypted identities, search tokens (Python, COPY)"):
            self._clients()
        with self.step("cases, referrals, placements (Python, COPY)"):
            self._cases()
        with self.step("counseling sessions and attendance"):
            self._sessions()
        with self.step("treatment plans, visits, care plans and reviews"):
            self._casework()
        with self.step("legal services, cases and milestones"):
            self._legal()
        with self.step("education and economic services, trainings, stipends, jobs"):
            self._economic()
        with self.step("notes of the demo team's records (encrypted)"):
            self._notes()
        with self.step("assessments, crises, economic surveys"):
            self._outcomes()
        with self.step("clock states (clock_rebuild)"):
            from wholejourney.outcomes.services import clock_rebuild

            clock_rebuild(batch_size=2000)
        with self.step("programmes: participants, activities, attendance, groups, campaigns"):
            self._programmes()
        with self.step("sequences, code counters"):
            self._finish()
        vacuum = time.perf_counter()
        print("  VACUUM ANALYZE …", end="", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
        self.timings.append(("VACUUM ANALYZE, CHECKPOINT", time.perf_counter() - vacuum))
        print(f" {time.perf_counter() - vacuum:.1f} s")
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench.marker (scale text NOT NULL, built_at timestamptz NOT NULL, seconds float)"
            )
            cursor.execute(
                "INSERT INTO bench.marker VALUES (%s, now(), %s)", [json.dumps(self.scale.marker()), seconds]
            )
        print(f"built in {seconds:.0f} s ({seconds / 60:.1f} min)")
        print_sizes()
        return seconds

    # --- people and partners ---

    def _people(self) -> list[Team]:
        from wholejourney.accounts.models import Team as TeamModel
        from wholejourney.accounts.models import User, UserRole
        from wholejourney.accounts.roles import Role
        from wholejourney.core.models import Office
        from wholejourney.demo.accounts import build_accounts

        build_accounts()
        offices = {office.code: office for office in Office.objects.all()}
        demo_cm, demo_counselor = User.objects.get(username="casemanager"), User.objects.get(username="counselor")
        vn_cm = User.objects.get(username="vn.casemanager")
        specs = [("KH", n, demo_cm.team if n == 0 else None) for n in range(TEAMS_KH)]
        specs += [("VN", n, vn_cm.team if n == 0 else None) for n in range(TEAMS_VN)]
        teams = []
        for code, number, existing in specs:
            office = offices[code]
            team = existing or TeamModel.objects.create(office=office, name=f"{code} province team {number:02d}")
            members: dict[str, list[Any]] = {"cm": [], "co": []}
            if existing is not None:
                members["cm"] = list(User.objects.filter(team=team, roles__role=Role.CASE_MANAGER))
                members["co"] = list(User.objects.filter(team=team, roles__role=Role.COUNSELOR))
            for kind, role, wanted in (("cm", Role.CASE_MANAGER, 3), ("co", Role.COUNSELOR, 2)):
                while len(members[kind]) < wanted:
                    user = User.objects.create(
                        username=f"{code.lower()}{number:02d}-{kind}{len(members[kind])}",
                        office=office,
                        team=team,
                        first_name="Bench",
                        last_name=role.label,
                    )
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                    UserRole.objects.create(user=user, role=role)
                    members[kind].append(user)
            if team.supervisor_id is None:
                team.supervisor = members["cm"][-1]
                team.save(update_fields=["supervisor"])
            teams.append(Team(team.pk, office.pk, code, [u.pk for u in members["cm"]], [u.pk for u in members["co"]]))
        assert demo_counselor.pk in teams[0].counselors  # noqa: S101
        self.offices = {code: office.pk for code, office in offices.items()}
        self.director_id = User.objects.get(username="director").pk
        return teams

    def _partners(self) -> None:
        from wholejourney.cases.models import FosterFamily
        from wholejourney.partners.models import Agreement, Organisation, OrganisationKind, PartnershipPeriod

        rng = self.rng
        per_office = {
            OrganisationKind.GOVERNMENT_MINISTRY: 12,
            OrganisationKind.PROVINCIAL_AUTHORITY: 25,
            OrganisationKind.CCWC: 40,
            OrganisationKind.POLICE: 15,
            OrganisationKind.NGO: 60,
            OrganisationKind.INGO: 10,
            OrganisationKind.PRIVATE: 120,
            OrganisationKind.CHURCH: 20,
            OrganisationKind.SCHOOL: 30,
            OrganisationKind.DONOR: 8,
            OrganisationKind.OTHER: 10,
        }
        orgs = []
        for code in ("KH", "VN"):
            share = 1.0 if code == "KH" else 0.2
            for kind, count in per_office.items():
                for number in range(max(2, round(count * share))):
                    orgs.append(
                        Organisation(office_id=self.offices[code], name=f"{kind.label} {number + 1}", kind=kind.value)
                    )
        Organisation.objects.bulk_create(orgs)
        periods, agreements = [], []
        for org in orgs:
            start = datetime.date(rng.randint(2012, 2023), rng.randint(1, 12), 1)
            end = None if rng.random() < 0.8 else start + datetime.timedelta(days=rng.randint(200, 2000))
            periods.append(PartnershipPeriod(organisation=org, active_from=start, active_to=end))
            if org.kind == OrganisationKind.PRIVATE and rng.random() < 0.6:
                signed = datetime.date(rng.randint(2020, 2024), rng.randint(1, 12), rng.randint(1, 28))
                agreements.append(
                    Agreement(organisation=org, kind=Agreement.Kind.EMPLOYMENT_PARTNER, signed_on=signed, start=signed)
                )
        PartnershipPeriod.objects.bulk_create(periods)
        Agreement.objects.bulk_create(agreements)
        self.orgs: dict[tuple[str, str], list[int]] = {}
        for org in orgs:
            code = "KH" if org.office_id == self.offices["KH"] else "VN"
            self.orgs.setdefault((code, org.kind), []).append(org.pk)
        families = [
            FosterFamily(office_id=self.offices[code], name=f"Foster family {n}", phone="012 345 678")
            for code, count in (("KH", 300), ("VN", 30))
            for n in range(count)
        ]
        FosterFamily.objects.bulk_create(families)
        self.foster: dict[str, list[int]] = {"KH": [], "VN": []}
        for family in families:
            self.foster["KH" if family.office_id == self.offices["KH"] else "VN"].append(family.pk)

    # --- clients (Python: their values are encrypted under their own keys) ---

    def _clients(self) -> None:
        from django.db import connection

        from benchmarks.caseload import COMMON_GIVEN, FAMILY_NAMES, PROVINCES, SYLLABLE_1, SYLLABLE_2
        from wholejourney.clients.matching import client_tokens
        from wholejourney.clients.models import Client, Gender, Sex
        from wholejourney.core.models import DataKey

        rng = self.rng
        scale = self.scale
        n_kh = round(scale.clients * KH_SHARE)
        kh_teams = [team for team in self.teams if team.office_code == "KH"]
        vn_teams = [team for team in self.teams if team.office_code == "VN"]
        plans = [self._plan(number, kh_teams if number < n_kh else vn_teams) for number in range(scale.clients)]
        self._spread_services(plans)
        self.plans = plans

        key_fields = list(DataKey._meta.concrete_fields)
        client_fields = list(Client._meta.concrete_fields)
        key_rows, client_rows, lookup_rows = [], [], []
        counters: dict[tuple[str, int], int] = {}
        for plan in plans:
            key = DataKey(id=plan["client_id"], wrapped_key=base64.b64encode(os.urandom(32)).decode())
            family_km, family = rng.choice(FAMILY_NAMES)
            if rng.random() < 0.2:
                given_km, given = rng.choice(COMMON_GIVEN)
            else:
                (s1_km, s1), (s2_km, s2) = rng.choice(SYLLABLE_1), rng.choice(SYLLABLE_2)
                given_km, given = s1_km + s2_km, s1 + s2
            registered: datetime.date = plan["first_opened"]
            year = registered.year
            counters[(plan["office_code"], year)] = counters.get((plan["office_code"], year), 0) + 1
            female = plan["female"]
            client = Client(
                id=plan["client_id"],
                office_id=plan["office_id"],
                team_id=plan["team_id"],
                case_manager_id=plan["case_manager_id"],
                data_key=key,
                code=f"{plan['office_code']}-{year}-{counters[(plan['office_code'], year)]:04d}",
                family_name_km=family_km,
                given_name_km=given_km,
                family_name_latin=family,
                given_name_latin=given,
                date_of_birth=plan["birth"],
                birth_year=plan["birth"].year,
                sex=Sex.FEMALE if female else Sex.MALE,
                gender=Gender.FEMININE if female else Gender.MASCULINE,
                citizenship=plan["office_code"],
                phone_numbers=[f"0{rng.choice('16789')}{rng.randrange(10**7):07d}"],
                address={"province": rng.choice(PROVINCES), "village": f"Village {rng.randrange(500)}"},
                registered_at=datetime.datetime.combine(registered, datetime.time(9), tzinfo=datetime.UTC),
            )
            key_rows.append(_db_row(key, key_fields, connection))
            client_rows.append(_db_row(client, client_fields, connection))
            lookup_rows += [
                (plan["client_id"], plan["office_id"], kind, digest) for kind, digest in sorted(client_tokens(client))
            ]
            if plan["team_id"] == self.teams[0].id:
                self.keys[plan["client_id"]] = (str(key.row_id), key.plaintext_key())
        self.counters = counters
        _copy("core_datakey", [f.column for f in key_fields], key_rows)
        _copy("clients_client", [f.column for f in client_fields], client_rows)
        _copy("clients_clientlookup", ["client_id", "office_id", "kind", "digest"], lookup_rows)

    def _plan(self, number: int, teams: list[Team]) -> dict[str, Any]:
        """Who the client is and the dates of their cases (the records follow in SQL)."""
        rng = self.rng
        long_count = len(self.scale.long_histories)
        is_long = number < long_count
        team = teams[0] if is_long else rng.choice(teams)
        main_opened = (
            datetime.date(2019, 2, 1) if is_long else _day(rng, datetime.date(2019, 1, 1), datetime.date(2024, 10, 31))
        )
        earlier = None
        if not is_long and rng.random() < 0.35:
            earlier_closed = main_opened - datetime.timedelta(days=rng.randint(30, 700))
            earlier = (earlier_closed - datetime.timedelta(days=rng.randint(120, 900)), earlier_closed)
        status, closed_on, reason = "open", None, ""
        if not is_long and main_opened < datetime.date(2024, 6, 1) and rng.random() < 0.3:
            status = "closed"
            closed_on = min(main_opened + datetime.timedelta(days=rng.randint(180, 1100)), LAST_DAY)
            reason = rng.choices(
                [
                    "goals_achieved",
                    "transferred",
                    "moved_away",
                    "declined_services",
                    "lost_contact",
                    "deceased",
                    "other",
                ],
                [55, 10, 8, 7, 12, 1, 7],
            )[0]
        elif not is_long and rng.random() < 0.2:
            status = "follow_up"
        first_opened = earlier[0] if earlier else main_opened
        age = rng.choices([rng.randint(6, 14), rng.randint(15, 17), rng.randint(18, 40)], [30, 20, 50])[0]
        birth = _day(
            rng, datetime.date(first_opened.year - age - 1, 1, 1), datetime.date(first_opened.year - age, 12, 28)
        )
        span_start = max(main_opened, FIRST_DAY)
        span_end = min(closed_on or LAST_DAY, LAST_DAY)
        abuse = rng.choices(
            ["human_trafficking", "sexual_abuse", "domestic_violence", "online_sexual_exploitation", "other_abuse"],
            [70, 14, 6, 3, 7],
        )[0]
        return {
            "client_id": number + 1,
            "long": is_long,
            "office_code": team.office_code,
            "office_id": team.office_id,
            "team_id": team.id,
            "case_manager_id": rng.choice(team.case_managers),
            "counselor_id": rng.choice(team.counselors),
            "female": rng.random() < 0.78,
            "birth": birth,
            "age": main_opened.year - birth.year,
            "first_opened": first_opened,
            "earlier": earlier,
            "main_opened": main_opened,
            "status": status,
            "closed_on": closed_on,
            "reason": reason,
            "abuse": abuse,
            "subtype": rng.choice(["sex", "labour", "forced_marriage"]) if abuse == "human_trafficking" else "",
            "span_start": span_start,
            "span_end": span_end,
        }

    def _spread_services(self, plans: list[dict[str, Any]]) -> None:
        """How many records of each kind each client has: thousands for the long histories, for
        the rest an exponential share of what is left, more for longer cases."""
        rng = self.rng
        longs = self.scale.long_histories
        weights = []
        for plan in plans:
            days = (plan["span_end"] - plan["span_start"]).days + 1
            weights.append(0.0 if plan["long"] or days <= 0 else rng.expovariate(1.0) * (days / 365) ** 0.7)
        left = self.scale.services - sum(longs)
        per_weight = left / sum(weights)
        for number, plan in enumerate(plans):
            total = longs[number] if plan["long"] else int(weights[number] * per_weight + rng.random())
            served = _flags(rng, plan)
            kinds = {kind: weight for kind, (area, weight) in KIND_WEIGHTS.items() if area in served}
            whole = sum(kinds.values())
            counts = {
                kind: int(total * kinds.get(kind, 0) / whole + rng.random()) if total else 0 for kind in KIND_WEIGHTS
            }
            if counts["stipend"] and not counts["training"]:
                counts["training"] = 1
            if counts["milestone"] and not counts["legal_case"]:
                counts["legal_case"] = 1
            if counts["review"] and not counts["care_plan"]:
                counts["care_plan"] = 1
            if counts["session"] and not counts["treatment"]:
                counts["treatment"] = 1
            # A tenth of the attendances come from group sessions, made per team in SQL.
            if not plan["long"]:
                counts["session"] = round(counts["session"] * (1 - GROUP_SHARE))
            plan["counts"] = counts
            plan["in_group_pool"] = "counseling" in served and not plan["long"]
            days = (plan["span_end"] - plan["span_start"]).days
            assessed = "counseling" in served or rng.random() < 0.8
            last = min(plan["closed_on"] or LAST_DAY, LAST_DAY)
            plan["n_assess"] = min(25, 1 + (last - plan["main_opened"]).days // 120) if assessed else 0
            plan["n_crisis"] = rng.choice([1, 1, 2, 3]) if days > 60 and rng.random() < 0.15 else 0
            years = sorted({plan["span_start"].year, plan["span_end"].year}) if days > 0 else []
            plan["n_survey"] = (years[-1] - years[0] + 1) if years and "economic" in served else 0

    # --- cases, referrals, placements (Python, COPY) ---

    def _cases(self) -> None:
        rng = self.rng
        plans = self.plans
        n = len(plans)
        case_rows, referral_rows, placement_rows, bench_rows = [], [], [], []
        gov = ["government_ministry", "provincial_authority", "ccwc", "police"]
        next_case = n + 1
        for plan in plans:
            code = plan["office_code"]
            cases = []
            if plan["earlier"]:
                opened, closed = plan["earlier"]
                cases.append(
                    (next_case, opened, "closed", closed, rng.choice(["goals_achieved", "lost_contact", "transferred"]))
                )
                next_case += 1
            cases.append((plan["client_id"], plan["main_opened"], plan["status"], plan["closed_on"], plan["reason"]))
            for case_id, opened, status, closed, reason in cases:
                source, organisation = "organisation", None
                roll = rng.random()
                if roll < 0.8:
                    organisation = rng.choice(self.orgs[(code, rng.choice(gov))])
                elif roll < 0.9:
                    organisation = rng.choice(self.orgs[(code, "ngo")])
                elif roll < 0.93:
                    organisation = rng.choice(self.orgs[(code, "church")])
                else:
                    source = rng.choice(["community", "family", "self"])
                referred = opened - datetime.timedelta(days=rng.randint(0, 10))
                decided = datetime.datetime.combine(opened, datetime.time(10), tzinfo=datetime.UTC)
                referral_rows.append(
                    (case_id, uuid.uuid4(), "incoming", source, referred, "normal", "", "", "accepted", "", decided,
                     decided, plan["client_id"], plan["case_manager_id"], plan["office_id"], organisation, None)
                )  # fmt: skip
                abuse, subtype = plan["abuse"], plan["subtype"]
                case_rows.append(
                    (case_id, uuid.uuid4(), opened, abuse, subtype, "[]", "[]", "", "[]", "", status, closed, reason,
                     plan["case_manager_id"], plan["client_id"], plan["office_id"], plan["team_id"], case_id)
                )  # fmt: skip
                placement_rows += self._placements(plan, case_id, opened, closed)
            counts = plan["counts"]
            bench_rows.append(
                (plan["client_id"], plan["office_id"], plan["team_id"], plan["case_manager_id"], plan["counselor_id"],
                 plan["client_id"], plan["long"], plan["age"], plan["main_opened"], plan["closed_on"],
                 plan["span_start"], plan["span_end"], plan["in_group_pool"], *(counts[k] for k in KIND_WEIGHTS),
                 plan["n_assess"], plan["n_crisis"], plan["n_survey"], sum(counts.values()))
            )  # fmt: skip
        _copy(
            "cases_referral",
            ["id", "row_id", "direction", "source", "referred_on", "urgency", "reason", "person", "status",
             "decision_note", "decided_at", "created_at", "client_id", "decided_by_id", "office_id",
             "organisation_id", "submitted_by_id"],
            referral_rows,
        )  # fmt: skip
        _copy(
            "cases_case",
            ["id", "row_id", "opened_on", "primary_abuse_type", "trafficking_subtype", "exploitation_types",
             "control_methods", "recruitment", "countries", "summary", "status", "closed_on", "closure_reason",
             "case_manager_id", "client_id", "office_id", "team_id", "referral_id"],
            case_rows,
        )  # fmt: skip
        _copy(
            "cases_placement",
            ["kind", "start", "end", "case_id", "client_id", "foster_family_id", "organisation_id"],
            placement_rows,
        )
        kinds = ", ".join(f"n_{kind} int NOT NULL" for kind in KIND_WEIGHTS)
        _execute(f"""
            CREATE SCHEMA IF NOT EXISTS bench;
            CREATE TABLE bench.client (
                client_id bigint PRIMARY KEY, office_id bigint, team_id bigint, case_manager_id bigint,
                counselor_id bigint, case_id bigint, long boolean, age int, opened_on date, closed_on date,
                span_start date, span_end date, in_group_pool boolean, {kinds},
                n_assess int, n_crisis int, n_survey int, n_records int
            )""")  # fmt: skip
        _copy(
            "bench.client",
            ["client_id", "office_id", "team_id", "case_manager_id", "counselor_id", "case_id", "long", "age",
             "opened_on", "closed_on", "span_start", "span_end", "in_group_pool",
             *(f"n_{kind}" for kind in KIND_WEIGHTS), "n_assess", "n_crisis", "n_survey", "n_records"],
            bench_rows,
        )  # fmt: skip
        _execute("ANALYZE bench.client")

    def _placements(
        self, plan: dict[str, Any], case_id: int, opened: datetime.date, closed: datetime.date | None
    ) -> list[tuple[Any, ...]]:
        """Where the client lived during the case: for two thirds first in care (the shelter,
        foster care or a partner's shelter), then home from the day they moved (a reintegration)."""
        rng = self.rng
        code = plan["office_code"]
        home = rng.choice(["family", "family", "relatives", "community", "independent"])
        ending = closed or datetime.date(2026, 1, 1)
        rows = []
        if rng.random() < 0.65 and (ending - opened).days > 40:
            kind = rng.choices(["shelter", "foster_care", "other_shelter"], [60, 25, 15])[0]
            moved = opened + datetime.timedelta(days=rng.randint(20, min(600, (ending - opened).days - 10)))
            family = rng.choice(self.foster[code]) if kind == "foster_care" else None
            org = rng.choice(self.orgs[(code, "ngo")]) if kind == "other_shelter" else None
            rows.append((kind, opened, moved, case_id, plan["client_id"], family, org))
            opened = moved
        if closed is None or closed > opened:
            rows.append((home, opened, closed, case_id, plan["client_id"], None, None))
        return rows

    # --- care records (SQL) ---

    def _sessions(self) -> None:
        _execute("""
            CREATE TEMP TABLE t_ind ON COMMIT DROP AS
            SELECT row_number() OVER () AS sid, c.client_id, c.case_id, c.counselor_id, c.office_id,
                   c.span_start + floor(random() * (c.span_end - c.span_start + 1))::int AS day
            FROM bench.client c, generate_series(1, c.n_session) g;

            INSERT INTO care_counselingsession (id, row_id, office_id, held_on, duration_minutes, format, modality,
                                                counselor_id, group_note)
            SELECT sid, gen_random_uuid(), office_id, day, (ARRAY[45, 60, 60, 60, 90])[1 + floor(random() * 5)::int],
                   'individual', CASE WHEN random() < 0.85 THEN 'tf_cbt' ELSE 'other' END, counselor_id, ''
            FROM t_ind;

            INSERT INTO care_sessionattendance (row_id, client_id, case_id, recorded_by_id, session_id, note)
            SELECT gen_random_uuid(), client_id, case_id, counselor_id, sid, '' FROM t_ind;

            -- Group and family sessions: per team, a lead attendee and up to four teammates whose
            -- case was open that day.
            CREATE TEMP TABLE t_pool ON COMMIT DROP AS
            SELECT c.*, row_number() OVER (PARTITION BY c.team_id ORDER BY c.client_id) - 1 AS pos,
                   count(*) OVER (PARTITION BY c.team_id) AS team_n
            FROM bench.client c WHERE c.in_group_pool AND c.span_end >= c.span_start;
            CREATE INDEX ON t_pool (team_id, pos);
            ANALYZE t_pool;

            CREATE TEMP TABLE t_grp ON COMMIT DROP AS
            SELECT (SELECT max(id) FROM care_counselingsession) + row_number() OVER () AS sid, g.*,
                   l.client_id AS lead_id, l.counselor_id, l.office_id,
                   l.span_start + floor(random() * (l.span_end - l.span_start + 1))::int AS day
            FROM (
                SELECT t.team_id, t.team_n, floor(random() * t.team_n)::int AS lead_pos
                FROM (SELECT team_id, max(team_n) AS team_n,
                             round(sum(n_session) * %(share)s / (1 - %(share)s) / 4)::int AS sessions
                      FROM t_pool GROUP BY team_id) t, generate_series(1, t.sessions)
            ) g JOIN t_pool l ON l.team_id = g.team_id AND l.pos = g.lead_pos;

            INSERT INTO care_counselingsession (id, row_id, office_id, held_on, duration_minutes, format, modality,
                                                counselor_id, group_note)
            SELECT sid, gen_random_uuid(), office_id, day, 90, CASE WHEN random() < 0.8 THEN 'group' ELSE 'family' END,
                   CASE WHEN random() < 0.7 THEN 'tf_cbt' ELSE 'other' END, counselor_id, ''
            FROM t_grp;

            INSERT INTO care_sessionattendance (row_id, client_id, case_id, recorded_by_id, session_id, note)
            SELECT gen_random_uuid(), m.client_id, m.case_id, g.counselor_id, g.sid, ''
            FROM t_grp g, generate_series(0, 4) k, t_pool m
            WHERE m.team_id = g.team_id AND m.pos = (g.lead_pos + k) %% g.team_n
              AND g.day BETWEEN m.span_start AND m.span_end
            ON CONFLICT DO NOTHING;
            """, {"share": GROUP_SHARE})  # fmt: skip

    def _casework(self) -> None:
        _execute("""
            INSERT INTO care_treatmentplan (row_id, client_id, case_id, recorded_by_id, counselor_id, started_on,
                                            components, components_done, status, ended_on, goals_met, note)
            SELECT gen_random_uuid(), client_id, case_id, counselor_id, counselor_id, started,
                   '["psychoeducation", "relaxation", "affect", "cognitive", "narrative"]',
                   CASE WHEN roll < 0.5 THEN '["psychoeducation", "relaxation", "affect", "cognitive", "narrative"]'
                        ELSE '["psychoeducation"]' END::jsonb,
                   CASE WHEN roll < 0.5 THEN 'completed' WHEN roll < 0.62 THEN 'discontinued' ELSE 'active' END,
                   CASE WHEN roll < 0.62 THEN least(started + 90 + floor(random() * 300)::int, span_end) END,
                   roll < 0.42, ''
            FROM (SELECT c.*, random() AS roll,
                         c.span_start + floor(random() * greatest(1, c.span_end - c.span_start - 90))::int AS started
                  FROM bench.client c, generate_series(1, c.n_treatment)) t;
            UPDATE care_treatmentplan SET ended_on = started_on WHERE ended_on < started_on;

            INSERT INTO care_visit (row_id, client_id, case_id, recorded_by_id, mode, visited_on, next_visit_on, note)
            SELECT gen_random_uuid(), client_id, case_id, case_manager_id,
                   (ARRAY['home', 'home', 'in_person', 'phone'])[1 + floor(random() * 4)::int], day,
                   CASE WHEN random() < 0.6 THEN day + 30 + floor(random() * 60)::int END, ''
            FROM (SELECT c.*, c.span_start + floor(random() * (c.span_end - c.span_start + 1))::int AS day
                  FROM bench.client c, generate_series(1, c.n_visit)) v;

            CREATE TEMP TABLE t_plan ON COMMIT DROP AS
            SELECT (SELECT coalesce(max(id), 0) FROM care_careplan) + row_number() OVER () AS id, c.client_id,
                   c.case_id, c.case_manager_id, c.n_review, c.span_end, g AS number,
                   c.span_start + ((g - 1) * (c.span_end - c.span_start + 1) / c.n_care_plan) AS drafted
            FROM bench.client c, generate_series(1, c.n_care_plan) g;
            INSERT INTO care_careplan (id, row_id, client_id, case_id, status, drafted_by_id, drafted_on,
                                       approved_by_id, approved_on, next_review_on)
            SELECT id, gen_random_uuid(), client_id, case_id, 'approved', case_manager_id, drafted,
                   %(director)s, drafted + 3, drafted + 90
            FROM t_plan;
            -- The reviews of the client's latest plan.
            INSERT INTO care_careplanreview (row_id, plan_id, reviewed_on, reviewed_by_id, note, next_review_on)
            SELECT gen_random_uuid(), p.id, day, p.case_manager_id, '', day + 90
            FROM (SELECT p.*, p.drafted + floor(random() * (p.span_end - p.drafted + 1))::int AS day
                  FROM t_plan p, generate_series(1, p.n_review)
                  WHERE p.number = (SELECT c.n_care_plan FROM bench.client c WHERE c.client_id = p.client_id)) p;
            """, {"director": self.director_id})  # fmt: skip

    def _legal(self) -> None:
        _execute("""
            INSERT INTO care_legalservice (row_id, client_id, case_id, recorded_by_id, kind, provided_on, note)
            SELECT gen_random_uuid(), client_id, case_id, case_manager_id,
                   (ARRAY['advice', 'advice', 'police', 'court', 'court', 'id_card', 'birth_certificate', 'protection',
                          'identification', 'other'])[1 + floor(random() * 10)::int],
                   span_start + floor(random() * (span_end - span_start + 1))::int, ''
            FROM bench.client c, generate_series(1, c.n_legal_service);

            CREATE TEMP TABLE t_lcase ON COMMIT DROP AS
            SELECT (SELECT coalesce(max(id), 0) FROM care_legalcase) + row_number() OVER () AS id, t.*,
                   CASE WHEN t.roll < 0.55 THEN least(t.opened + 120 + floor(random() * 600)::int, t.span_end) END AS ended
            FROM (SELECT c.client_id, c.case_id, c.case_manager_id, c.span_end, c.n_milestone, c.n_legal_case,
                         random() AS roll,
                         c.span_start + floor(random() * greatest(1, c.span_end - c.span_start - 60))::int AS opened
                  FROM bench.client c, generate_series(1, c.n_legal_case)) t;
            UPDATE t_lcase SET ended = opened WHERE ended < opened;
            INSERT INTO care_legalcase (id, row_id, client_id, case_id, recorded_by_id, kind, court, case_number,
                                        accused_role, accused_name, opened_on, ended_on, "end")
            SELECT id, gen_random_uuid(), client_id, case_id, case_manager_id,
                   CASE WHEN random() < 0.85 THEN 'criminal' ELSE 'civil' END, 'Provincial court', '', 'broker', '',
                   opened, ended,
                   CASE WHEN ended IS NULL THEN ''
                        ELSE (ARRAY['verdict_executed', 'verdict_executed', 'withdrawn', 'settled', 'closed'])[
                             1 + floor(random() * 5)::int] END
            FROM t_lcase;
            -- Milestones spread over the client's legal cases; the last of a case that ended by a
            -- verdict is the verdict.
            INSERT INTO care_legalmilestone (row_id, legal_case_id, kind, happened_on, outcome, note)
            SELECT gen_random_uuid(), id,
                   CASE WHEN verdict THEN 'verdict'
                        ELSE (ARRAY['complaint', 'investigation', 'hearing', 'hearing', 'appeal', 'compensation'])[
                             1 + floor(random() * 6)::int] END,
                   day, CASE WHEN verdict THEN (ARRAY['convicted', 'convicted', 'acquitted', 'other'])[
                             1 + floor(random() * 4)::int] ELSE '' END, ''
            FROM (SELECT l.id, g = ceil(l.n_milestone::numeric / l.n_legal_case) AND l.ended IS NOT NULL AS verdict,
                         l.opened + floor(random() * (coalesce(l.ended, l.span_end) - l.opened + 1))::int AS day
                  FROM t_lcase l, generate_series(1, ceil(l.n_milestone::numeric / l.n_legal_case)::int) g) m;
            """)  # fmt: skip

    def _economic(self) -> None:
        private = {code: self.orgs[(code, "private")] for code in ("KH", "VN")}
        _execute("""
            INSERT INTO care_educationsupport (row_id, client_id, case_id, recorded_by_id, level, kind, provided_on,
                                               school_year, outcome)
            SELECT gen_random_uuid(), client_id, case_id, case_manager_id,
                   CASE WHEN age < 12 THEN 'primary' WHEN age < 15 THEN 'lower_secondary'
                        WHEN age < 18 THEN 'upper_secondary'
                        ELSE (ARRAY['university', 'non_formal', 'literacy'])[1 + floor(random() * 3)::int] END,
                   (ARRAY['enrolment', 'fees', 'materials', 'tutoring'])[1 + floor(random() * 4)::int], day,
                   extract(year FROM day)::int || '-' || (extract(year FROM day)::int + 1), ''
            FROM (SELECT c.*, c.span_start + floor(random() * (c.span_end - c.span_start + 1))::int AS day
                  FROM bench.client c, generate_series(1, c.n_education)) e;

            INSERT INTO care_economicservice (row_id, client_id, case_id, recorded_by_id, kind, provided_on, amount,
                                              amount_usd, note)
            SELECT gen_random_uuid(), client_id, case_id, case_manager_id, kind, day,
                   CASE WHEN kind = 'business_grant' THEN 800000 END, CASE WHEN kind = 'business_grant' THEN 200 END, ''
            FROM (SELECT c.*, c.span_start + floor(random() * (c.span_end - c.span_start + 1))::int AS day,
                         (ARRAY['career_advice', 'career_advice', 'career_coaching', 'career_coaching',
                                'business_plan', 'business_grant', 'business_materials',
                                'business_support_follow_up', 'business_coaching',
                                'business_coaching_follow_up'])[1 + floor(random() * 10)::int] AS kind
                  FROM bench.client c, generate_series(1, c.n_economic)) e;

            -- Trainings: the first is on the job (at a private partner) when the client is paid
            -- stipends, the others either kind.
            CREATE TEMP TABLE t_training ON COMMIT DROP AS
            SELECT (SELECT coalesce(max(id), 0) FROM care_training) + row_number() OVER () AS id, t.*,
                   least(t.start + 90 + floor(random() * 180)::int, t.span_end) AS ends
            FROM (SELECT c.client_id, c.case_id, c.case_manager_id, c.office_id, c.span_end, c.n_stipend, g AS number,
                         CASE WHEN (g = 1 AND c.n_stipend > 0) OR random() < 0.4 THEN 'on_the_job'
                              ELSE 'vocational' END AS kind,
                         c.span_start + floor(random() * greatest(1, c.span_end - c.span_start - 30))::int AS start
                  FROM bench.client c, generate_series(1, c.n_training) g) t;
            UPDATE t_training SET ends = start WHERE ends < start;
            CREATE INDEX ON t_training (client_id);
            ANALYZE t_training;
            INSERT INTO care_training (id, row_id, client_id, case_id, recorded_by_id, kind, organisation_id, trade,
                                       start, "end", completed_on)
            SELECT id, gen_random_uuid(), client_id, case_id, case_manager_id, kind,
                   CASE WHEN kind = 'on_the_job' OR random() < 0.5 THEN
                        (CASE WHEN office_id = %(kh)s THEN %(private_kh)s::bigint[] ELSE %(private_vn)s::bigint[] END)[
                        1 + floor(random() * 10)::int] END,
                   (ARRAY['Hairdressing', 'Sewing', 'Cooking', 'Motorbike repair', 'Beauty'])[1 + floor(random() * 5)::int],
                   start, ends, CASE WHEN random() < 0.6 THEN ends END
            FROM t_training;

            INSERT INTO care_stipend (row_id, client_id, case_id, recorded_by_id, training_id, paid_on, amount, amount_usd)
            SELECT gen_random_uuid(), t.client_id, t.case_id, t.case_manager_id, t.id,
                   t.start + floor(random() * (t.ends - t.start + 1))::int, 120000, 30
            FROM t_training t, generate_series(1, t.n_stipend) WHERE t.number = 1;

            INSERT INTO care_employment (row_id, client_id, case_id, recorded_by_id, employer_id, employer_name, work,
                                         start, "end", after_training_id)
            SELECT gen_random_uuid(), c.client_id, c.case_id, c.case_manager_id,
                   CASE WHEN random() < 0.7 THEN
                        (CASE WHEN c.office_id = %(kh)s THEN %(private_kh)s::bigint[] ELSE %(private_vn)s::bigint[] END)[
                        1 + floor(random() * 10)::int] END, '',
                   (ARRAY['Shop assistant', 'Garment factory', 'Restaurant', 'Hair salon'])[1 + floor(random() * 4)::int],
                   day, CASE WHEN random() < 0.3 THEN least(day + 200, c.span_end + 200) END,
                   (SELECT t.id FROM t_training t WHERE t.client_id = c.client_id AND t.kind = 'vocational'
                     AND t.ends <= day LIMIT 1)
            FROM (SELECT c.*, c.span_start + floor(random() * (c.span_end - c.span_start + 1))::int AS day
                  FROM bench.client c, generate_series(1, c.n_employment)) c;
            """, {"kh": self.offices["KH"], "private_kh": private["KH"][:10], "private_vn": private["VN"][:10]})  # fmt: skip

    def _notes(self) -> None:
        """Notes on every record of the demo team's clients, encrypted under the client's key
        through the field's own code (bound to the record's row id), then written in one UPDATE
        per table."""
        from django.db import connection

        from wholejourney.care.models import (
            CarePlanReview,
            EconomicService,
            LegalMilestone,
            LegalService,
            SessionAttendance,
            Visit,
        )

        rng = self.rng
        ids = sorted(self.keys)
        tables = [
            (SessionAttendance, "SELECT r.id, r.row_id, r.client_id FROM care_sessionattendance r WHERE r.client_id = ANY(%s)"),
            (Visit, "SELECT r.id, r.row_id, r.client_id FROM care_visit r WHERE r.client_id = ANY(%s)"),
            (LegalService, "SELECT r.id, r.row_id, r.client_id FROM care_legalservice r WHERE r.client_id = ANY(%s)"),
            (EconomicService, "SELECT r.id, r.row_id, r.client_id FROM care_economicservice r WHERE r.client_id = ANY(%s)"),
            (LegalMilestone, "SELECT r.id, r.row_id, l.client_id FROM care_legalmilestone r "
                             "JOIN care_legalcase l ON l.id = r.legal_case_id WHERE l.client_id = ANY(%s)"),
            (CarePlanReview, "SELECT r.id, r.row_id, p.client_id FROM care_careplanreview r "
                             "JOIN care_careplan p ON p.id = r.plan_id WHERE p.client_id = ANY(%s)"),
        ]  # fmt: skip
        from wholejourney.core import crypto

        for model, query in tables:
            note = model._meta.get_field("note")
            with connection.cursor() as cursor:
                cursor.execute(query, [ids])
                records = cursor.fetchall()
            rows = []
            for pk, row_id, client_id in records:
                key_id, key = self.keys[client_id]
                aad = note.associated_data(types.SimpleNamespace(_meta=model._meta, row_id=row_id))  # type: ignore[attr-defined,arg-type]
                raw = note.plain_bytes(rng.choice(NOTES))  # type: ignore[attr-defined]
                rows.append((pk, crypto.encrypt_with_data_key(key_id, key, raw, aad)))
            table = model._meta.db_table
            _execute("CREATE TEMP TABLE t_note (id bigint PRIMARY KEY, note text) ON COMMIT DROP")
            _copy("t_note", ["id", "note"], rows)
            _execute(f"UPDATE {table} r SET note = t.note FROM t_note t WHERE t.id = r.id; DROP TABLE t_note")  # noqa: S608

    def _outcomes(self) -> None:
        _execute("""
            -- Assessments every four months from the case's opening: scores that mostly rise,
            -- with dips that reset the clock.
            INSERT INTO outcomes_assessment (row_id, client_id, case_id, recorded_by_id, instrument_id, kind,
                                             assessed_on, protection_score, wellbeing_score, economic_score,
                                             social_score, note)
            SELECT gen_random_uuid(), c.client_id, c.case_id, c.counselor_id,
                   (SELECT id FROM outcomes_instrument WHERE is_current LIMIT 1),
                   CASE WHEN k = 0 THEN 'baseline' ELSE 'reassessment' END,
                   least(c.opened_on + k * 120 + floor(random() * 15)::int, coalesce(c.closed_on, DATE '2024-12-31')),
                   least(4, greatest(1, round((1.6 + k * 0.35 + random() * 1.4 - 0.4)::numeric, 2))),
                   least(4, greatest(1, round((1.3 + k * 0.35 + random() * 1.4 - 0.4)::numeric, 2))),
                   least(4, greatest(1, round((1.4 + k * 0.30 + random() * 1.4 - 0.4)::numeric, 2))),
                   least(4, greatest(1, round((1.6 + k * 0.35 + random() * 1.4 - 0.4)::numeric, 2))), ''
            FROM bench.client c, generate_series(0, c.n_assess - 1) k;

            INSERT INTO outcomes_crisisevent (row_id, client_id, case_id, recorded_by_id, occurred_on, domains,
                                              severity, what_happened, response, recorded_at)
            SELECT gen_random_uuid(), client_id, case_id, case_manager_id, day,
                   jsonb_build_array((ARRAY['protection', 'wellbeing', 'economic', 'social'])[1 + floor(random() * 4)::int]),
                   (ARRAY['moderate', 'severe', 'critical'])[1 + floor(random() * 3)::int], '', '', day + time '10:00'
            FROM (SELECT c.*, c.span_start + floor(random() * (c.span_end - c.span_start + 1))::int AS day
                  FROM bench.client c, generate_series(1, c.n_crisis)) x;

            INSERT INTO outcomes_economicsurvey (row_id, client_id, case_id, recorded_by_id, surveyed_on,
                                                 income_increased, income_covers_needs)
            SELECT gen_random_uuid(), client_id, case_id, case_manager_id,
                   least(greatest(make_date(extract(year FROM span_start)::int + k, 6, 1) + floor(random() * 150)::int,
                                  span_start), span_end),
                   CASE WHEN r1 < 0.05 THEN NULL ELSE r1 < 0.87 END, CASE WHEN r2 < 0.05 THEN NULL ELSE r2 < 0.88 END
            FROM (SELECT c.*, k, random() AS r1, random() AS r2
                  FROM bench.client c, generate_series(0, c.n_survey - 1) k) s;
            """)  # fmt: skip

    def _programmes(self) -> None:
        factor = self.scale.factor
        _execute("""
            CREATE TEMP TABLE t_office ON COMMIT DROP AS
            SELECT o.*,
                   (SELECT array_agg(id ORDER BY id) FROM partners_organisation p WHERE p.office_id = o.office_id
                     AND p.kind IN ('ngo', 'government_ministry', 'provincial_authority')) AS partners,
                   (SELECT array_agg(id ORDER BY id) FROM partners_organisation p WHERE p.office_id = o.office_id
                     AND p.kind = 'school') AS schools
            FROM (VALUES (%(kh)s::bigint, %(kh_share)s::float), (%(vn)s::bigint, 1 - %(kh_share)s::float)) o(office_id, share);

            INSERT INTO programmes_participant (row_id, office_id, name, phone, sex, age_band, province, commune,
                                                village, "group", organisation_id, external_ref)
            SELECT gen_random_uuid(), o.office_id, '', '',
                   CASE WHEN random() < 0.6 THEN 'female' ELSE 'male' END,
                   (ARRAY['12-17', '18-24', '25-59', '25-59', '60+', ''])[1 + floor(random() * 6)::int],
                   (ARRAY['Phnom Penh', 'Battambang', 'Siem Reap', 'Kampong Cham', 'Prey Veng', 'Kandal'])[
                       1 + floor(random() * 6)::int], 'Commune ' || floor(random() * 300)::int,
                   'Village ' || floor(random() * 2000)::int, g.grp,
                   CASE WHEN g.grp IN ('ngo_staff', 'government_officers') THEN
                        o.partners[1 + n %% array_length(o.partners, 1)] END, ''
            FROM t_office o,
                 generate_series(1, round(%(participants)s * o.share)::int) n,
                 LATERAL (SELECT CASE WHEN r < 0.05 THEN 'cbg_leaders' WHEN r < 0.10 THEN 'church_leaders'
                                      WHEN r < 0.30 THEN 'local_duty_bearers' WHEN r < 0.68 THEN 'youth_and_children_council'
                                      WHEN r < 0.76 THEN 'teachers' WHEN r < 0.81 THEN 'ngo_staff'
                                      WHEN r < 0.86 THEN 'government_officers' WHEN r < 0.91 THEN 'former_clients'
                                      WHEN r < 0.95 THEN 'caregivers' ELSE 'other' END AS grp
                          FROM (SELECT random() + n * 0 AS r) x) g;

            -- Activities of each kind, numbered so that those of one office and kind are consecutive.
            INSERT INTO programmes_activity (id, office_id, kind, topic, held_on, place, external_ref)
            SELECT row_number() OVER (ORDER BY o.office_id, k.kind, y, n), o.office_id, k.kind,
                   CASE WHEN k.kind = 'prevention_training' THEN
                        (ARRAY['child_protection', 'human_trafficking', 'safe_migration', 'gbv', 'positive_parenting',
                               'victim_identification'])[1 + floor(random() * 6)::int]
                        WHEN k.kind = 'tic_pfa_training' THEN 'tic_pfa' ELSE '' END,
                   make_date(y, 1, 1) + floor(random() * 365)::int, 'Commune hall', ''
            FROM t_office o,
                 (VALUES ('prevention_training', 4000), ('reflection_meeting', 250), ('tic_pfa_training', 60),
                         ('national_consultation', 2), ('reflection_workshop', 4), ('alumni_event', 8),
                         ('alumni_business_training', 30)) k(kind, per_year),
                 generate_series(2021, 2024) y,
                 generate_series(1, greatest(1, round(k.per_year * o.share * %(factor)s))::int) n;

            CREATE TEMP TABLE t_kind ON COMMIT DROP AS
            SELECT office_id, kind, min(id) AS first_id, count(*) AS n FROM programmes_activity GROUP BY office_id, kind;

            -- Each participant attends one to six activities of the kinds their group goes to.
            INSERT INTO programmes_attendance (activity_id, participant_id, pre_test, post_test)
            SELECT k.first_id + floor(random() * k.n)::int, a.participant_id,
                   CASE WHEN a.kind = 'tic_pfa_training' AND random() < 0.9 THEN a.pre END,
                   CASE WHEN a.kind = 'tic_pfa_training' AND random() < 0.9 THEN least(100, a.pre + round((random() * 30 - 6)::numeric, 1)) END
            FROM (SELECT p.id AS participant_id, p.office_id, round((40 + random() * 30)::numeric, 1) AS pre,
                         CASE p."group"
                              WHEN 'former_clients' THEN CASE WHEN r < 0.5 THEN 'alumni_event'
                                   WHEN r < 0.85 THEN 'alumni_business_training' ELSE 'prevention_training' END
                              WHEN 'caregivers' THEN CASE WHEN r < 0.5 THEN 'alumni_event' ELSE 'prevention_training' END
                              WHEN 'ngo_staff' THEN CASE WHEN r < 0.3 THEN 'tic_pfa_training'
                                   WHEN r < 0.38 THEN 'national_consultation' WHEN r < 0.5 THEN 'reflection_workshop'
                                   ELSE 'prevention_training' END
                              WHEN 'government_officers' THEN CASE WHEN r < 0.3 THEN 'tic_pfa_training'
                                   WHEN r < 0.38 THEN 'national_consultation' WHEN r < 0.5 THEN 'reflection_workshop'
                                   ELSE 'prevention_training' END
                              WHEN 'teachers' THEN CASE WHEN r < 0.3 THEN 'tic_pfa_training' ELSE 'prevention_training' END
                              ELSE 'prevention_training' END AS kind
                  FROM programmes_participant p, generate_series(1, 1 + floor(random() * 6 + p.id * 0)::int) g,
                       LATERAL (SELECT random() + g * 0 AS r) x) a
            JOIN t_kind k ON k.office_id = a.office_id AND k.kind = a.kind
            ON CONFLICT DO NOTHING;

            INSERT INTO programmes_husbandwifegroup (office_id, label, village)
            SELECT o.office_id, 'HW-' || n, 'Village ' || floor(random() * 2000)::int
            FROM t_office o, generate_series(1, round(15000 * o.share * %(factor)s)::int) n;
            -- Each reflection meeting: twenty couples of its office.
            INSERT INTO programmes_activity_hw_groups (activity_id, husbandwifegroup_id)
            SELECT a.id, h.ids[1 + floor(random() * array_length(h.ids, 1) + g * 0)::int]
            FROM programmes_activity a, generate_series(1, 20) g,
                 (SELECT office_id, array_agg(id) AS ids FROM programmes_husbandwifegroup GROUP BY office_id) h
            WHERE a.kind = 'reflection_meeting' AND h.office_id = a.office_id
            ON CONFLICT DO NOTHING;

            INSERT INTO programmes_communitygroup (office_id, name, province, district, commune, village)
            SELECT o.office_id, 'Community group ' || n, 'Battambang', 'District ' || (n %% 40), 'Commune ' || (n %% 300),
                   'Village ' || n
            FROM t_office o, generate_series(1, round(3000 * o.share * %(factor)s)::int) n;
            INSERT INTO programmes_groupstatusperiod (group_id, status, start, "end")
            SELECT id, 'active', DATE '2018-01-01' + (id %% 1500)::int,
                   CASE WHEN random() < 0.15 THEN DATE '2022-01-01' + floor(random() * 1000)::int END
            FROM programmes_communitygroup;
            INSERT INTO programmes_groupplanaction (group_id, year, topic, planned_on, completed_on)
            SELECT g.id, y, (ARRAY['child_protection', 'human_trafficking', 'safe_migration', 'gbv', 'environment',
                                   'climate'])[1 + floor(random() * 6)::int], day,
                   CASE WHEN random() < 0.85 THEN day + floor(random() * 60)::int END
            FROM programmes_communitygroup g, generate_series(2021, 2024) y, generate_series(1, 8) n,
                 LATERAL (SELECT make_date(y, 1, 1) + floor(random() * 330 + n * 0)::int AS day) d;
            -- Two leaders per group, from the office's community-group leaders.
            INSERT INTO programmes_communitygroup_leaders (communitygroup_id, participant_id)
            SELECT g.id, l.ids[1 + (g.id * 2 + k) %% array_length(l.ids, 1)]
            FROM programmes_communitygroup g, generate_series(0, 1) k,
                 (SELECT office_id, array_agg(id ORDER BY id) AS ids FROM programmes_participant
                  WHERE "group" = 'cbg_leaders' GROUP BY office_id) l
            WHERE l.office_id = g.office_id
            ON CONFLICT DO NOTHING;

            INSERT INTO programmes_campaign (office_id, kind, topics, held_on, place, adults_female, adults_male,
                                             children_female, children_male)
            SELECT o.office_id, CASE WHEN random() < 0.75 THEN 'awareness' ELSE 'education' END, '["human_trafficking"]',
                   make_date(y, 1, 1) + floor(random() * 365)::int, 'Village', floor(random() * 60)::int,
                   floor(random() * 40)::int, floor(random() * 10)::int, floor(random() * 10)::int
            FROM t_office o, generate_series(2021, 2024) y, generate_series(1, round(2000 * o.share * %(factor)s)::int) n;
            INSERT INTO programmes_externalmeeting (row_id, office_id, kind, held_on, notes)
            SELECT gen_random_uuid(), o.office_id,
                   (ARRAY['provincial_network', 'district_commune', 'district_commune', 'ngo_network', 'other'])[
                       1 + floor(random() * 5)::int], make_date(y, 1, 1) + floor(random() * 365)::int, ''
            FROM t_office o, generate_series(2021, 2024) y, generate_series(1, round(300 * o.share * %(factor)s)::int) n;
            INSERT INTO programmes_donation (office_id, item, description, copies, donated_on, recipient_id)
            SELECT o.office_id, 'books', '', 10 + floor(random() * 200)::int, make_date(y, 1, 1) + floor(random() * 365)::int,
                   o.schools[1 + n %% array_length(o.schools, 1)]
            FROM t_office o, generate_series(2021, 2024) y, generate_series(1, round(100 * o.share * %(factor)s)::int) n;
            INSERT INTO programmes_publicevent (office_id, kind, name, held_on, reported_attendance)
            SELECT o.office_id, 'mental_health_day', 'World Mental Health Day ' || y, make_date(y, 10, 10),
                   round(2400 * o.share * %(factor)s)::int
            FROM t_office o, generate_series(2021, 2024) y;
            """, {"kh": self.offices["KH"], "vn": self.offices["VN"], "kh_share": KH_SHARE,
                  "participants": self.scale.participants, "factor": factor})  # fmt: skip

    def _finish(self) -> None:
        """Sequences past the ids given explicitly, and the client-code counters client_create keeps."""
        from django.apps import apps
        from django.core.management import color
        from django.db import connection

        statements = connection.ops.sequence_reset_sql(color.no_style(), apps.get_models())
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            for (code, year), last in self.counters.items():
                cursor.execute(
                    "INSERT INTO clients_clientcodecounter (office_id, year, last_number) VALUES (%s, %s, %s)",
                    [self.offices[code], year, last],
                )
        # How many timeline records each client really has (group sessions included), for the
        # benchmarks to pick short and long histories by.
        parts = " UNION ALL ".join(
            f"SELECT client_id FROM {table}"  # noqa: S608 (our own table names)
            for table in TIMELINE_TABLES
            if table not in CHILD_TABLES
        )
        _execute(f"""
            UPDATE bench.client c SET n_records = 0;
            UPDATE bench.client c SET n_records = x.n
            FROM (SELECT client_id, count(*) AS n FROM (
                      {parts}
                      UNION ALL SELECT l.client_id FROM care_legalmilestone m JOIN care_legalcase l ON l.id = m.legal_case_id
                      UNION ALL SELECT p.client_id FROM care_careplanreview r JOIN care_careplan p ON p.id = r.plan_id
                  ) r GROUP BY client_id) x
            WHERE x.client_id = c.client_id;
            """)  # noqa: S608 (our own table names)


# --- helpers ------------------------------------------------------------------------------------


def _day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _flags(rng: random.Random, plan: dict[str, Any]) -> set[str]:
    """The areas a client is served in: casework always; the others as in the programme (most
    children at school, most adults in economic empowerment)."""
    served = {"casework"}
    child = plan["age"] < 18
    if plan["long"] or rng.random() < 0.75:
        served.add("counseling")
    if plan["long"] or rng.random() < 0.45:
        served.add("legal")
    if plan["long"] or rng.random() < (0.6 if child else 0.2):
        served.add("education")
    if plan["long"] or rng.random() < (0.15 if child else 0.55):
        served.add("economic")
    return served


def _db_row(instance: Any, fields: list[Any], connection: Any) -> list[Any]:
    """The values `save()` would write (encrypted fields encrypt in their `pre_save`)."""
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def _copy(table: str, columns: list[str], rows: list[Any]) -> None:
    from django.db import connection

    names = sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    target = sql.SQL(".").join(sql.Identifier(part) for part in table.split("."))
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(target, names)) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _execute(statement: str, params: dict[str, Any] | None = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)


TABLES = [
    "clients_client", "cases_case", "cases_placement", "care_counselingsession", "care_sessionattendance",
    "care_treatmentplan", "care_visit", "care_careplan", "care_careplanreview", "care_legalservice", "care_legalcase",
    "care_legalmilestone", "care_educationsupport", "care_economicservice", "care_training", "care_stipend",
    "care_employment", "outcomes_assessment", "outcomes_crisisevent", "outcomes_economicsurvey",
    "outcomes_clockstate", "outcomes_clockrun", "programmes_participant", "programmes_activity", "programmes_attendance",
]  # fmt: skip
# Timeline tables whose rows name their client through a parent.
CHILD_TABLES = {"care_legalmilestone", "care_careplanreview"}
# The tables of the client timeline: their rows are the "service records".
TIMELINE_TABLES = [
    "care_sessionattendance", "care_treatmentplan", "care_legalservice", "care_legalcase", "care_legalmilestone",
    "care_educationsupport", "care_economicservice", "care_training", "care_stipend", "care_employment",
    "care_visit", "care_careplan", "care_careplanreview",
]  # fmt: skip


def print_sizes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (our own table names)
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    records = sum(counts[table] for table in TIMELINE_TABLES)
    print(f"service records (the timeline's tables): {records:,}; database size {size}")
    print("  " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the national size (default 1)")
    parser.add_argument("--db", help=f"database name (default {DEFAULT_DATABASE}, or _<n>pct for a scale)")
    parser.add_argument(
        "--server", default=DEFAULT_SERVER, help="PostgreSQL server URL (a user that may create databases)"
    )
    parser.add_argument("--rebuild", action="store_true", help="drop the database and build it again")
    args = parser.parse_args()
    national = prepare(scale=args.scale, database=args.db, server=args.server, rebuild=args.rebuild)
    if not national.built_now:
        print_sizes()
    print(f"DATABASE_URL={national.url} WJ_VAR_DIR={national.var_dir} "
          f"WJ_KEYS_FILE={national.var_dir}/keys/keyring.json")  # fmt: skip


if __name__ == "__main__":
    main()
