"""Report benchmark (issue 9): the whole report of an office and a year, at demo size.

    .venv/bin/python benchmarks/report.py                      # SQLite, a fresh demo (about a minute to build)
    .venv/bin/python benchmarks/report.py --var /tmp/wj-bench  # reuse a demo built there before
    .venv/bin/python benchmarks/report.py --database-url postgres://postgres@127.0.0.1:5432/wj_bench_report

It builds the demo organisation (`wholejourney demo --reset`) in a var/ and keyring of its own (or
in the PostgreSQL database named by --database-url, created if missing), then measures, for
Cambodia 2023, `--runs` times after one warm-up run:

- the 59 published figures plus our own, as `report_figures` computes them (the JSON command);
- the whole report as the page shows it: every figure for 2023 and 2022, the charts, disclosure
  control for the external edition;
- the report page through Django's test client (signed in as the demo director), and its queries;
- each file format (JSON, XLSX, HTML, PDF).

Target (issue 9): the demo-size report under 1 second on SQLite.

    .venv/bin/python benchmarks/report.py --national                  # at 1/10 and full national scale
    .venv/bin/python benchmarks/report.py --national --scales 1       # at full scale only

The national mode runs on the databases `national.py` builds (built first if missing; at scale 1:
100,000 clients, 5 million care records, 200,000 programme participants on PostgreSQL), each scale
in a process of its own, and measures for Cambodia 2023, `--runs` times after one warm-up: the whole
report as `wholejourney report --format json` computes it (2023 and 2022 beside it, charts, the
clock), the 62 figures of `report_figures`, the 59 published figures through the reporting engine,
and the same 59 figures by hand-written SQL aggregates (`FLOOR`, one query per figure or group of
figures, the definitions of metrics.yaml): the floor. It checks that the floor and the engine agree
on every figure, and prints times, their ratio and the queries each issued, at every scale.
Targets (issue 9): the whole report under 5 s and the 59 figures at most 2x the floor, at full
scale; the same number of queries at every scale.
"""

# ruff: noqa: S608  (the SQL of the floor is assembled from constant fragments, never from input)

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.0
NATIONAL_TARGET_SECONDS = 5.0
NATIONAL_TARGET_RATIO = 2.0
METRICS_YAML = REPO / "wholejourney" / "reporting" / "tests" / "data" / "metrics-2023.yaml"


def _prepare(var_dir: Path, database_url: str | None, rebuild: bool) -> None:
    os.environ["WJ_VAR_DIR"] = str(var_dir)
    os.environ["WJ_KEYS_FILE"] = str(var_dir / "keys" / "keyring.json")
    os.environ.pop("WJ_KEYS", None)
    os.environ["WJ_ENV"] = "development"
    os.environ["WJ_DEBUG"] = "0"
    os.environ["WJ_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "wholejourney.settings"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        _create_database(database_url)
    else:
        os.environ.pop("DATABASE_URL", None)
    marker = var_dir / ".report-bench-demo"
    if rebuild or not marker.exists():
        wholejourney = str(REPO / ".venv" / "bin" / "wholejourney")
        subprocess.run([wholejourney, "migrate", "-v0"], check=True)  # noqa: S603 (our own command)
        started = time.perf_counter()
        subprocess.run([wholejourney, "demo", "--reset"], check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        print(f"demo built in {time.perf_counter() - started:.0f} s")
        marker.write_text(database_url or "sqlite")


def _create_database(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _time(label: str, action: Callable[[], Any], runs: int) -> float:
    action()  # warm-up: imports, caches, the SQLite page cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"{label:<48} median {median * 1000:8.1f} ms   max {max(times) * 1000:8.1f} ms")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, help="var/ directory to build the demo in (default: a new temporary one)")
    parser.add_argument("--database-url", help="PostgreSQL database (created if missing); default: SQLite in --var")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the demo (or the national databases)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--national", action="store_true", help="the national-scale mode on PostgreSQL")
    parser.add_argument("--scales", default="0.1,1", help="national mode: the scales to run, smallest first")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="national mode: the server")
    parser.add_argument("--by-metric", action="store_true", help="national mode: the slowest metrics too")
    parser.add_argument("--national-child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.national_child is not None:
        result = national_run(args.national_child, args)
        print("RESULT " + json.dumps(result))
        return
    if args.national:
        national_main(args)
        return
    demo_main(args)


def demo_main(args: argparse.Namespace) -> None:
    var_dir = args.var or Path(tempfile.mkdtemp(prefix="wj-report-bench-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    _prepare(var_dir, args.database_url, args.rebuild)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from wholejourney.accounts.models import User
    from wholejourney.core.models import Office
    from wholejourney.reporting.assembly import build_report
    from wholejourney.reporting.registry import Period, all_metrics
    from wholejourney.reporting.services import render_report, report_figures

    settings.WJ_REQUIRE_MFA = False  # the benchmark signs in with force_login
    settings.ALLOWED_HOSTS = ["testserver"]
    kh = Office.objects.get(code="KH")
    period = Period.year(2023)
    print(f"database: {connection.vendor}; metrics registered: {len(all_metrics())}; runs: {args.runs}")

    figures = _time(
        "59+ figures (report_figures, the JSON command)", lambda: report_figures(period=period, office=kh), args.runs
    )
    _time("report: 2023 and 2022, charts (internal)", lambda: build_report(period=period, office=kh), args.runs)
    _time(
        "report: same, external edition (disclosure)",
        lambda: build_report(period=period, office=kh, edition="external"),
        args.runs,
    )
    browser = Client()
    browser.force_login(User.objects.get(username="director"))
    page = _time(
        "report page /reports/?office=KH&year=2023", lambda: browser.get("/reports/?office=KH&year=2023"), args.runs
    )
    with CaptureQueriesContext(connection) as queries:
        browser.get("/reports/?office=KH&year=2023")
    with CaptureQueriesContext(connection) as figure_queries:
        report_figures(period=period, office=kh)
    with translation.override("en"):
        for fmt in ("json", "xlsx", "html", "pdf"):
            _time(
                f"file: {fmt}",
                lambda fmt=fmt: render_report(period=period, office=kh, edition="internal", format=fmt),  # type: ignore[misc]
                max(1, args.runs // 2),
            )
    print(
        f"queries: report_figures {len(figure_queries.captured_queries)}, report page {len(queries.captured_queries)}"
    )
    verdict = "OK" if figures < TARGET_SECONDS and page < TARGET_SECONDS else "SLOW"
    print(f"target: the demo-size report under {TARGET_SECONDS:.0f} s on {connection.vendor}: {verdict}")
    if verdict != "OK":
        sys.exit(1)


# --- the national scale: the report against hand-written SQL (the floor) -------------------------

GOVERNMENT = "('government_ministry', 'provincial_authority', 'ccwc', 'police')"
OFFICE_CLIENTS = "JOIN clients_client cl ON cl.id = r.client_id AND cl.office_id = %(office)s"
OVERLAPS = "{start} <= %(end)s AND ({end} IS NULL OR {end} >= %(start)s)"


def _one(rows: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return rows[0]


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def _by_kind(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    return {row[0]: row[1] for row in rows}


def _attendees(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Distinct participants by activity kind and participant group (a participant has one group)."""
    by: dict[str, dict[str, int]] = {}
    for kind, group, n in rows:
        by.setdefault(kind, {})[group] = n
    prevention = by.get("prevention_training", {})
    return {
        "prevention_trained_by_group": dict(sorted(prevention.items())),
        "prevention_trained": sum(prevention.values()),
        "tic_pfa_participants": sum(by.get("tic_pfa_training", {}).values()),
        "reflection_workshop_participants": sum(by.get("reflection_workshop", {}).values()),
        "alumni_event_participants": sum(by.get("alumni_event", {}).values()),
        "alumni_business_training": by.get("alumni_business_training", {}).get("former_clients", 0),
        "~national_consultation_participants": sum(by.get("national_consultation", {}).values()),
    }


def _books(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    from django.utils.text import slugify

    totals: dict[str, int] = {}
    for name, copies in rows:
        key = slugify(name).replace("-", "_")
        totals[key] = totals.get(key, 0) + copies
    return {"books_donated": dict(sorted(totals.items()))}


# Each: the SQL (parameters office, start, end) and what its rows say. Definitions as in
# ../shared/report-2023/metrics.yaml, office scoping as each metric's (the case's or the client's office).
FLOOR: list[tuple[str, Callable[[list[tuple[Any, ...]]], dict[str, Any]]]] = [
    (
        """SELECT primary_abuse_type, count(*) FROM (
               SELECT DISTINCT ON (client_id) primary_abuse_type FROM cases_case
               WHERE office_id = %(office)s AND opened_on <= %(end)s AND (closed_on IS NULL OR closed_on >= %(start)s)
               ORDER BY client_id, opened_on DESC, id DESC) latest GROUP BY 1""",
        lambda rows: {
            "survivors_supported": sum(n for _kind, n in rows),
            "survivors_by_abuse_type": {kind: dict(rows).get(kind, 0) for kind in ABUSE_TYPES},
        },
    ),
    (
        """SELECT count(DISTINCT p.client_id) FILTER (WHERE p.kind = 'shelter'),
                  count(DISTINCT p.client_id) FILTER (WHERE p.kind = 'foster_care')
           FROM cases_placement p JOIN cases_case c ON c.id = p.case_id
           WHERE c.office_id = %(office)s AND p.kind IN ('shelter', 'foster_care')
             AND p.start <= %(end)s AND (p."end" IS NULL OR p."end" > %(start)s)""",
        lambda rows: dict(zip(["survivors_in_shelter", "survivors_in_foster_care"], _one(rows), strict=True)),
    ),
    (
        """SELECT count(DISTINCT p.client_id) FROM cases_placement p JOIN cases_case c ON c.id = p.case_id
           WHERE c.office_id = %(office)s AND p.kind IN ('family', 'relatives', 'community', 'independent')
             AND p.start BETWEEN %(start)s AND %(end)s
             AND EXISTS (SELECT 1 FROM cases_placement q WHERE q.client_id = p.client_id AND q."end" = p.start
                           AND q.start < p.start AND q.kind IN ('shelter', 'foster_care', 'other_shelter'))""",
        lambda rows: {"survivors_reintegrated": _one(rows)[0]},
    ),
    (
        """SELECT count(DISTINCT client_id) FROM cases_case
           WHERE office_id = %(office)s AND status = 'closed' AND closure_reason = 'goals_achieved'
             AND closed_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {"survivors_closed": _one(rows)[0]},
    ),
    (
        f"""SELECT count(*), count(*) FILTER (WHERE o.kind = 'ngo'), count(*) FILTER (WHERE o.kind IN {GOVERNMENT})
            FROM cases_case c LEFT JOIN cases_referral f ON f.id = c.referral_id
            LEFT JOIN partners_organisation o ON o.id = f.organisation_id
            WHERE c.office_id = %(office)s AND c.opened_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {
            "ngo_referral_share_pct": _share(_one(rows)[1], _one(rows)[0]),
            "government_referral_share_pct": _share(_one(rows)[2], _one(rows)[0]),
        },
    ),
    (
        "SELECT count(*) FROM care_counselingsession WHERE office_id = %(office)s AND held_on BETWEEN %(start)s AND %(end)s",
        lambda rows: {"counseling_sessions": _one(rows)[0]},
    ),
    (
        f"""SELECT count(DISTINCT r.client_id) FROM care_sessionattendance r {OFFICE_CLIENTS}
            JOIN care_counselingsession s ON s.id = r.session_id WHERE s.held_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {"counseling_clients": _one(rows)[0]},
    ),
    (
        f"""SELECT count(DISTINCT r.client_id) FROM care_treatmentplan r {OFFICE_CLIENTS}
            WHERE r.status = 'completed' AND r.goals_met AND r.ended_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {"counseling_closure": _one(rows)[0]},
    ),
    (
        f"""SELECT count(DISTINCT r.client_id) FILTER (WHERE r.kind IN ('business_grant', 'business_materials',
                                                                      'business_support_follow_up')),
                   count(*) FILTER (WHERE r.kind IN ('business_coaching', 'business_coaching_follow_up')),
                   count(DISTINCT r.client_id) FILTER (WHERE r.kind = 'career_coaching'),
                   count(DISTINCT r.client_id) FILTER (WHERE r.kind = 'business_plan'),
                   count(DISTINCT r.client_id) FILTER (WHERE r.kind = 'career_advice')
            FROM care_economicservice r {OFFICE_CLIENTS} WHERE r.provided_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: dict(
            zip(
                [
                    "small_business_support",
                    "business_coaching_sessions",
                    "career_coaching",
                    "business_plans",
                    "career_advice",
                ],
                _one(rows),
                strict=True,
            )
        ),  # fmt: skip
    ),
    (
        f"""SELECT count(DISTINCT r.client_id) FILTER (WHERE r.kind = 'on_the_job' AND {OVERLAPS.format(start="r.start", end='r."end"')}),
                   count(DISTINCT r.client_id) FILTER (WHERE r.kind = 'vocational' AND {OVERLAPS.format(start="r.start", end='r."end"')}),
                   count(DISTINCT r.client_id) FILTER (WHERE r.completed_on BETWEEN %(start)s AND %(end)s)
            FROM care_training r {OFFICE_CLIENTS}""",
        lambda rows: dict(
            zip(["on_the_job_training", "vocational_training", "tvet_completed"], _one(rows), strict=True)
        ),
    ),  # fmt: skip
    (
        f"""SELECT count(DISTINCT r.client_id), count(DISTINCT r.client_id) FILTER (WHERE cl.sex = 'female')
            FROM care_employment r {OFFICE_CLIENTS} WHERE {OVERLAPS.format(start="r.start", end='r."end"')}""",
        lambda rows: {"survivors_employed": {"total": _one(rows)[0], "female": _one(rows)[1]}},
    ),
    (
        f"""SELECT count(DISTINCT r.client_id) FROM care_employment r {OFFICE_CLIENTS}
            JOIN care_training t ON t.id = r.after_training_id
            WHERE t.kind = 'vocational' AND r.start BETWEEN %(start)s AND %(end)s""",
        lambda rows: {"job_placements": _one(rows)[0]},
    ),
    (
        f"""SELECT count(DISTINCT r.client_id) FROM care_stipend r {OFFICE_CLIENTS}
            JOIN care_training t ON t.id = r.training_id
            WHERE t.kind = 'on_the_job' AND r.paid_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {"stipends": _one(rows)[0]},
    ),
    (
        f"""SELECT count(DISTINCT r.client_id), count(DISTINCT r.client_id) FILTER (
                       WHERE r.kind = 'enrolment' AND r.level IN ('primary', 'lower_secondary', 'upper_secondary',
                                                                  'university'))
            FROM care_educationsupport r {OFFICE_CLIENTS} WHERE r.provided_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {"education_support": _one(rows)[0], "education_school_levels": _one(rows)[1]},
    ),
    (
        f"""SELECT count(DISTINCT r.client_id) FROM care_legalservice r {OFFICE_CLIENTS}
            WHERE r.provided_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {"legal_support": _one(rows)[0]},
    ),
    (
        f"""SELECT count(DISTINCT r.client_id) FILTER (WHERE {OVERLAPS.format(start="r.opened_on", end="r.ended_on")}),
                   count(DISTINCT r.client_id) FILTER (WHERE r.ended_on BETWEEN %(start)s AND %(end)s)
            FROM care_legalcase r {OFFICE_CLIENTS}""",
        lambda rows: {"court_case_support": _one(rows)[0], "legal_cases_ended": _one(rows)[1]},
    ),
    (
        f"""SELECT count(DISTINCT r.client_id) FROM care_legalmilestone m
            JOIN care_legalcase r ON r.id = m.legal_case_id {OFFICE_CLIENTS}
            WHERE m.kind = 'verdict' AND m.happened_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {"verdicts": _one(rows)[0]},
    ),
    (
        f"""WITH baseline AS (
                SELECT DISTINCT ON (r.client_id) r.client_id, r.assessed_on, r.wellbeing_score
                FROM outcomes_assessment r {OFFICE_CLIENTS} WHERE r.kind = 'baseline'
                ORDER BY r.client_id, r.assessed_on, r.id),
            latest AS (
                SELECT DISTINCT ON (r.client_id) r.client_id, r.assessed_on, r.wellbeing_score
                FROM outcomes_assessment r {OFFICE_CLIENTS} WHERE r.assessed_on BETWEEN %(start)s AND %(end)s
                ORDER BY r.client_id, r.assessed_on DESC, r.id DESC)
            SELECT count(*) FILTER (WHERE l.wellbeing_score > b.wellbeing_score), count(*)
            FROM baseline b JOIN latest l USING (client_id) WHERE l.assessed_on > b.assessed_on""",
        lambda rows: {"psychosocial_improved_pct": _share(*_one(rows))},
    ),
    *(
        (
            f"""SELECT count(*) FILTER (WHERE answer), count(*) FROM (
                    SELECT DISTINCT ON (r.client_id) r.{question} AS answer
                    FROM outcomes_economicsurvey r {OFFICE_CLIENTS}
                    WHERE r.surveyed_on BETWEEN %(start)s AND %(end)s AND r.{question} IS NOT NULL
                    ORDER BY r.client_id, r.surveyed_on DESC, r.id DESC) latest""",  # noqa: S608 (our own column names)
            lambda rows, figure=figure: {figure: _share(*_one(rows))},  # type: ignore[misc]
        )
        for question, figure in (
            ("income_increased", "household_income_increase_pct"),
            ("income_covers_needs", "income_covers_needs_pct"),
        )
    ),
    (
        f"""SELECT count(DISTINCT o.id) FILTER (WHERE o.kind = 'ngo'), count(DISTINCT o.id) FILTER (WHERE o.kind = 'private'),
                   count(DISTINCT o.id) FILTER (WHERE o.kind IN {GOVERNMENT})
            FROM partners_organisation o JOIN partners_partnershipperiod p ON p.organisation_id = o.id
            WHERE o.office_id = %(office)s AND {OVERLAPS.format(start="p.active_from", end="p.active_to")}""",
        lambda rows: dict(zip(["ngo_partners", "private_partners", "government_partners"], _one(rows), strict=True)),
    ),
    (
        """SELECT count(*) FROM partners_agreement a JOIN partners_organisation o ON o.id = a.organisation_id
           WHERE o.office_id = %(office)s AND o.kind = 'private' AND a.signed_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {"new_partnership_agreements": _one(rows)[0]},
    ),
    (
        """WITH active AS (
               SELECT g.id FROM programmes_communitygroup g WHERE g.office_id = %(office)s AND EXISTS (
                   SELECT 1 FROM programmes_groupstatusperiod s WHERE s.group_id = g.id AND s.status = 'active'
                     AND s.start <= %(end)s AND (s."end" IS NULL OR s."end" >= %(start)s)))
           SELECT (SELECT count(*) FROM active),
                  count(*) FILTER (WHERE a.completed_on IS NOT NULL AND a.completed_on <= %(end)s), count(a.id)
           FROM programmes_groupplanaction a
           WHERE a.planned_on BETWEEN %(start)s AND %(end)s AND a.group_id IN (SELECT id FROM active)""",
        lambda rows: {"cbg_active": _one(rows)[0], "cbg_plan_completion_pct": _share(_one(rows)[1], _one(rows)[2])},
    ),
    (
        """SELECT kind, count(*) FROM programmes_activity
           WHERE office_id = %(office)s AND held_on BETWEEN %(start)s AND %(end)s GROUP BY kind""",
        lambda rows: {
            "prevention_training_sessions": _by_kind(rows).get("prevention_training", 0),
            "reflection_meetings": _by_kind(rows).get("reflection_meeting", 0),
            "tic_pfa_trainings": _by_kind(rows).get("tic_pfa_training", 0),
        },
    ),
    (
        """SELECT a.kind, p."group", count(DISTINCT t.participant_id)
           FROM programmes_attendance t JOIN programmes_activity a ON a.id = t.activity_id
           JOIN programmes_participant p ON p.id = t.participant_id
           WHERE a.office_id = %(office)s AND a.held_on BETWEEN %(start)s AND %(end)s GROUP BY 1, 2""",
        _attendees,
    ),
    (
        """SELECT count(DISTINCT p.organisation_id)
           FROM programmes_attendance t JOIN programmes_activity a ON a.id = t.activity_id
           JOIN programmes_participant p ON p.id = t.participant_id
           WHERE a.office_id = %(office)s AND a.kind = 'national_consultation'
             AND a.held_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {"~national_consultation_organisations": _one(rows)[0]},
    ),
    (
        """SELECT count(DISTINCT t.participant_id) FILTER (WHERE t.post_test > t.pre_test), count(DISTINCT t.participant_id)
           FROM programmes_attendance t JOIN programmes_activity a ON a.id = t.activity_id
           WHERE a.office_id = %(office)s AND a.kind = 'tic_pfa_training' AND a.held_on BETWEEN %(start)s AND %(end)s
             AND t.pre_test IS NOT NULL AND t.post_test IS NOT NULL""",
        lambda rows: {"tic_pfa_improved_pct": _share(*_one(rows))},
    ),
    (
        """SELECT count(DISTINCT m.husbandwifegroup_id)
           FROM programmes_activity_hw_groups m JOIN programmes_activity a ON a.id = m.activity_id
           WHERE a.office_id = %(office)s AND a.kind = 'reflection_meeting' AND a.held_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {"husband_wife_groups": _one(rows)[0]},
    ),
    (
        """SELECT count(*) FILTER (WHERE kind = 'awareness'),
                  coalesce(sum(adults_female + adults_male) FILTER (WHERE kind = 'awareness'), 0),
                  coalesce(sum(children_female + children_male) FILTER (WHERE kind = 'awareness'), 0),
                  count(*) FILTER (WHERE kind = 'education'),
                  coalesce(sum(adults_female + adults_male + children_female + children_male)
                           FILTER (WHERE kind = 'education'), 0)
           FROM programmes_campaign WHERE office_id = %(office)s AND held_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {
            "awareness_campaigns": _one(rows)[0],
            "awareness_reach": {"adults": _one(rows)[1], "children": _one(rows)[2]},
            "education_campaigns": _one(rows)[3],
            "education_campaign_reach": _one(rows)[4],
            "community_members_reached": _one(rows)[1] + _one(rows)[4],
        },
    ),
    (
        """SELECT kind, count(*) FROM programmes_externalmeeting
           WHERE office_id = %(office)s AND held_on BETWEEN %(start)s AND %(end)s GROUP BY kind""",
        lambda rows: {
            "provincial_network_meetings": _by_kind(rows).get("provincial_network", 0),
            "district_commune_meetings": _by_kind(rows).get("district_commune", 0),
            "ngo_network_meetings": _by_kind(rows).get("ngo_network", 0),
        },
    ),
    (
        """SELECT o.name, sum(d.copies) FROM programmes_donation d JOIN partners_organisation o ON o.id = d.recipient_id
           WHERE d.office_id = %(office)s AND d.item = 'books' AND d.donated_on BETWEEN %(start)s AND %(end)s
           GROUP BY o.name""",
        _books,
    ),
    (
        """SELECT coalesce(sum(reported_attendance), 0) FROM programmes_publicevent
           WHERE office_id = %(office)s AND kind = 'mental_health_day' AND held_on BETWEEN %(start)s AND %(end)s""",
        lambda rows: {"mental_health_day_participants": _one(rows)[0]},
    ),
]
ABUSE_TYPES = ["human_trafficking", "sexual_abuse", "domestic_violence", "online_sexual_exploitation", "other_abuse"]


def floor_figures(office_id: int, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """The 59 published figures by hand-written SQL: one query per figure or group of figures."""
    from django.db import connection

    params = {"office": office_id, "start": start, "end": end}
    figures: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for query, read in FLOOR:
            cursor.execute(query, params)
            figures.update(read(cursor.fetchall()))
    figures["national_consultation"] = {
        "participants": figures.pop("~national_consultation_participants"),
        "organisations": figures.pop("~national_consultation_organisations"),
    }
    return figures


def published_ids() -> list[str]:
    import yaml

    return [entry["id"] for entry in yaml.safe_load(METRICS_YAML.read_text())["metrics"]]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(part) for key, part in value.items()}
    return float(value) if isinstance(value, float) else value


def _median(label: str, action: Callable[[], Any], runs: int) -> float:
    action()  # warm-up: the same queries once, so caches are as warm for the engine as for the floor
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"  {label:<52} median {median * 1000:8.1f} ms   min {min(times) * 1000:8.1f}   max {max(times) * 1000:8.1f}")
    return median


def _queries(action: Callable[[], Any]) -> int:
    """The queries of `action`, counted with the report's work in this thread alone (the helper
    thread's connection is not captured; the queries are the same either way)."""
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with (
        mock.patch("wholejourney.reporting.assembly.can_compute_in_parallel", return_value=False),
        CaptureQueriesContext(connection) as captured,
    ):
        action()
    return len(captured.captured_queries)


def national_run(scale: float, args: argparse.Namespace) -> dict[str, Any]:
    """One scale: build or reuse its database, time the report, the engine's figures and the floor."""
    sys.path.insert(0, str(REPO))
    from benchmarks import national

    built = national.prepare(scale=scale, server=args.server, rebuild=args.rebuild)
    from django.utils import translation

    from wholejourney.core.models import Office
    from wholejourney.reporting.registry import Period, get_metric, report_run
    from wholejourney.reporting.services import render_report, report_figures

    kh = Office.objects.get(code="KH")
    period = Period.year(2023)
    ids = published_ids()
    metrics = [get_metric(metric_id) for metric_id in ids]

    def engine() -> dict[str, Any]:
        with report_run():
            return {metric.id: metric.compute(period, kh).value for metric in metrics}

    def whole() -> bytes:
        with translation.override("en"):
            return render_report(period=period, office=kh, edition="internal", format="json")

    def floor() -> dict[str, Any]:
        return floor_figures(kh.pk, period.start, period.end)

    def floor_both_years() -> None:
        floor_figures(kh.pk, period.start, period.end)
        previous = period.previous()
        floor_figures(kh.pk, previous.start, previous.end)

    print(f"{built.database}: {built.scale.clients:,} clients, {built.scale.services:,} care records, "
          f"{built.scale.participants:,} participants; KH 2023; {args.runs} runs after a warm-up")  # fmt: skip
    result: dict[str, Any] = {"scale": scale, "clients": built.scale.clients, "build_seconds": built.build_seconds}
    result["whole"] = _median("whole report (wholejourney report --format json)", whole, args.runs)
    result["figures"] = _median(
        "62 figures (report_figures, the JSON figures)", lambda: report_figures(period=period, office=kh), args.runs
    )
    result["engine"] = _median("59 published figures, reporting engine", engine, args.runs)
    result["floor"] = _median("59 published figures, hand-written SQL (floor)", floor, args.runs)
    result["floor_both"] = _median("the floor for 2023 and 2022", floor_both_years, args.runs)
    result["queries"] = {
        "whole": _queries(whole),
        "figures": _queries(lambda: report_figures(period=period, office=kh)),
        "engine": _queries(engine),
        "floor": _queries(floor),
    }
    computed, by_hand = _plain(engine()), _plain(floor())
    result["mismatches"] = {
        metric_id: [computed.get(metric_id), by_hand.get(metric_id)]
        for metric_id in ids
        if computed.get(metric_id) != by_hand.get(metric_id)
    }
    if set(by_hand) != set(ids):
        result["mismatches"]["(floor covers)"] = sorted(set(by_hand) ^ set(ids))
    if args.by_metric:
        _by_metric(period, kh)
    return result


def _by_metric(period: Any, office: Any) -> None:
    """Every registered metric alone (the clock's shared work counted in the first that needs it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wholejourney.reporting.registry import all_metrics, report_run

    rows = []
    with report_run():
        for metric in all_metrics():
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                metric.compute(period, office)
            rows.append(((time.perf_counter() - started) * 1000, metric.id, len(captured.captured_queries)))
    print("  slowest metrics (ms, queries):")
    for ms, metric_id, queries in sorted(rows, reverse=True)[:12]:
        print(f"    {metric_id:<40}{ms:9.1f}{queries:6}")


def national_main(args: argparse.Namespace) -> None:
    """Each scale in a process of its own (Django points at one database per process), then the table."""
    results = []
    for scale in (float(part) for part in args.scales.split(",")):
        command = [sys.executable, str(Path(__file__).resolve()), "--national-child", str(scale), "--runs", str(args.runs),
                   "--server", args.server, *(["--rebuild"] if args.rebuild else []), *(["--by-metric"] if args.by_metric else [])]  # fmt: skip
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:  # noqa: S603 (our own script)
            assert child.stdout is not None  # noqa: S101
            for line in child.stdout:
                if line.startswith("RESULT "):
                    results.append(json.loads(line[len("RESULT ") :]))
                else:
                    print(line, end="", flush=True)
        if child.returncode:
            sys.exit(child.returncode)
    print_national(results)


def print_national(results: list[dict[str, Any]]) -> None:
    print()
    heads = "".join(f"{format(r['clients'], ',') + ' clients':>26}" for r in results)
    print(f"{'KH 2023':44}{heads}")
    rows = [
        ("whole report (command, with 2022 and charts)", "whole"),
        ("62 figures (report_figures)", "figures"),
        ("59 figures, reporting engine", "engine"),
        ("59 figures, hand-written SQL (floor)", "floor"),
    ]
    for label, key in rows:
        cells = "".join(f"{r[key] * 1000:>12.0f} ms {r['queries'][key]:>5} q." for r in results)
        print(f"{label:44}{cells}")
    print(f"{'ratio engine / floor':44}" + "".join(f"{r['engine'] / r['floor']:>26.2f}" for r in results))
    print(
        f"{'ratio whole report / floor of both years':44}"
        + "".join(f"{r['whole'] / r['floor_both']:>26.2f}" for r in results)
    )
    largest = results[-1]
    checks = {
        f"whole report under {NATIONAL_TARGET_SECONDS:.0f} s": largest["whole"] < NATIONAL_TARGET_SECONDS,
        f"59 figures at most {NATIONAL_TARGET_RATIO:.0f}x the floor": largest["engine"] <= NATIONAL_TARGET_RATIO * largest["floor"],
        "queries the same at every scale": all(r["queries"] == results[0]["queries"] for r in results),
        "the floor agrees with the engine on every figure": not any(r["mismatches"] for r in results),
    }  # fmt: skip
    for r in results:
        for metric_id, (engine, floor) in r["mismatches"].items():
            print(f"  MISMATCH at {r['clients']:,} clients: {metric_id}: engine {engine}, floor {floor}")
    for label, ok in checks.items():
        print(f"target: {label}: {'OK' if ok else 'MISSED'}")
    if not all(checks.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
