"""The acceptance table: every registered figure of the 2023 report, rebuilt from the demo records."""

from __future__ import annotations

import json
import statistics
import subprocess
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command

from wholejourney.cases.models import Case, CaseStatus, ClosureReason
from wholejourney.core.models import Office
from wholejourney.core.tests.engines import postgresql_only
from wholejourney.outcomes.clock import DOMAINS
from wholejourney.outcomes.models import ClockState
from wholejourney.outcomes.services import clock_for
from wholejourney.reporting.registry import Period, all_metrics, get_metric
from wholejourney.reporting.services import report_figures

# The acceptance table: every figure of the published 2023 report with its definition (a copy of the
# product brief's shared/report-2023/metrics.yaml, kept in the repository so the suite needs nothing beside it).
METRICS_YAML = Path(__file__).parent / "data" / "metrics-2023.yaml"


def _published() -> dict[str, Any]:
    table = yaml.safe_load(METRICS_YAML.read_text())
    return {entry["id"]: entry["value"] for entry in table["metrics"]}


def _matches(computed: Any, published: Any) -> bool:
    """A percentage matches when it rounds to the published figure at the published precision."""
    if isinstance(published, float):
        return computed is not None and round(computed, 1) == published
    if isinstance(published, int) and isinstance(computed, float):
        return round(computed) == published
    return bool(computed == published)


# Figures of our own that the 2023 report does not have (from the stability clock).
OUR_OWN = {"clients_reached_wholeness", "median_run_days", "clock_resets_by_domain"}


def test_every_registered_metric_is_in_the_acceptance_table_or_our_own() -> None:
    assert {m.id for m in all_metrics()} - OUR_OWN <= set(_published())


@pytest.mark.django_db
def test_report_command_reproduces_the_published_2023_figures_for_cambodia(demo_office: None) -> None:
    out = StringIO()
    call_command("report", "--year", "2023", "--office", "KH", "--format", "json", stdout=out)
    printed = json.loads(out.getvalue())
    published = _published()

    mismatches = {
        metric_id: (figure["value"], published[metric_id])
        for metric_id, figure in printed["metrics"].items()
        if metric_id not in OUR_OWN and not _matches(figure["value"], published[metric_id])
    }

    assert printed["period"] == {"start": "2023-01-01", "end": "2023-12-31"} and printed["office"] == "KH"
    assert mismatches == {}
    assert set(printed["metrics"]) == {m.id for m in all_metrics()}


@pytest.mark.django_db
def test_every_figure_counts_exactly_its_records(demo_office: None) -> None:
    kh = Office.objects.get(code="KH")

    def size(records: Any, sum_of: str | None) -> int:
        return sum(records.values_list(sum_of, flat=True)) if sum_of else records.count()

    for metric in all_metrics():
        result = metric.compute(Period.year(2023), kh)
        if result.records is not None and isinstance(result.value, int):
            assert size(result.records, result.sum_of) == result.value, metric.id
        for part, records in result.parts.items():
            assert size(records, result.sum_of) == result.value[part], (metric.id, part)  # type: ignore[index]


@pytest.mark.django_db
def test_vietnam_records_stay_out_of_cambodia_and_add_up_in_the_global_report(demo_office: None) -> None:
    period = Period.year(2023)
    kh = report_figures(period=period, office=Office.objects.get(code="KH"))["metrics"]
    vn = report_figures(period=period, office=Office.objects.get(code="VN"))["metrics"]
    everywhere = report_figures(period=period, office=None)["metrics"]

    assert vn["survivors_supported"]["value"] > 0
    assert (
        everywhere["survivors_supported"]["value"]
        == kh["survivors_supported"]["value"] + vn["survivors_supported"]["value"]
    )


@pytest.mark.django_db
def test_every_client_closed_as_goals_achieved_was_whole_by_the_clock_before_closing(demo_office: None) -> None:
    closed_whole = Case.objects.filter(
        status=CaseStatus.CLOSED, closure_reason=ClosureReason.GOALS_ACHIEVED
    ).select_related("client", "client__data_key")
    not_whole = [
        case.client.code
        for case in closed_whole
        if case.closed_on is None
        or not any(day <= case.closed_on for day in clock_for(case.client, as_of=case.closed_on).whole_dates)
    ]

    assert closed_whole.count() > 100
    assert not_whole == []


@pytest.mark.django_db
def test_the_demo_shows_every_clock_state_today(demo_office: None) -> None:
    states = {
        clock_for(state.client).state for state in ClockState.objects.select_related("client", "client__data_key")
    }

    assert states == {"not_started", "running", "whole"}


@pytest.mark.django_db
@pytest.mark.parametrize("year", [2022, 2023])
def test_clock_figures_from_the_stored_runs_equal_the_clock_computed_from_the_records(
    demo_office: None, year: int
) -> None:
    from wholejourney.cases.metrics import supported_clients
    from wholejourney.clients.models import Client
    from wholejourney.outcomes.models import Assessment
    from wholejourney.reporting.charts import clock_states

    kh, period = Office.objects.get(code="KH"), Period.year(year)
    assessed = Client.objects.filter(office=kh, pk__in=Assessment.objects.values("client_id"))
    clocks = {client.pk: clock_for(client, as_of=period.end) for client in assessed.select_related("data_key")}
    whole, lengths, resets = set(), [], Counter[str]()
    for pk, clock in clocks.items():
        for event in clock.events:
            if not period.start <= event.day <= period.end:
                continue
            if event.kind == "whole":
                whole.add(pk)
                lengths.append(
                    (event.day - max(e.day for e in clock.events if e.kind == "start" and e.day < event.day)).days
                )
            elif event.kind == "reset":
                resets.update({reason.split(":")[1] for reason in event.reasons})
    supported = set(supported_clients(period, kh).values_list("pk", flat=True))
    states = Counter(clocks[pk].state if pk in clocks else "not_started" for pk in supported)

    assert get_metric("clients_reached_wholeness").compute(period, kh).value == len(whole) > 0
    assert get_metric("median_run_days").compute(period, kh).value == round(statistics.median(lengths))
    assert get_metric("clock_resets_by_domain").compute(period, kh).value == {d: resets[d] for d in DOMAINS}
    assert clock_states(period, kh) == {state: states[state] for state in ("not_started", "running", "whole")}


@pytest.mark.django_db
def test_both_years_of_the_report_equal_their_figures_computed_alone(demo_office: None) -> None:
    from wholejourney.reporting.assembly import build_report

    kh = Office.objects.get(code="KH")
    report = build_report(period=Period.year(2023), office=kh)  # counts both years in one pass where it can

    for metric in all_metrics():
        figure = report.figures[metric.id]
        assert figure.value == metric.compute(Period.year(2023), kh).value, metric.id
        assert figure.previous == metric.compute(Period.year(2022), kh).value, metric.id


@postgresql_only("two connections share a report's work on PostgreSQL only")
def test_a_report_shared_by_two_connections_equals_the_report_computed_by_one(
    demo_office: None, django_db_blocker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from wholejourney.reporting import assembly, charts

    worked_in: list[str] = []
    services_by_month = charts.services_by_month

    def watched(*args: Any) -> Any:
        worked_in.append(threading.current_thread().name)
        return services_by_month(*args)

    monkeypatch.setattr(charts, "services_by_month", watched)

    def figures() -> tuple[dict[str, Any], dict[str, Any]]:
        report = assembly.build_report(period=Period.year(2023), office=Office.objects.get(code="KH"))
        return {key: (f.value, f.previous) for key, f in report.figures.items()}, report.charts

    # Outside a transaction, as the report page and the report job run (a test's transaction
    # would hide its data from the second connection).
    with django_db_blocker.unblock():
        assert assembly.can_compute_in_parallel()
        shared = figures()
        monkeypatch.setattr(assembly, "can_compute_in_parallel", lambda: False)
        alone = figures()

    assert worked_in == ["report-helper", "MainThread"]
    assert shared == alone


@postgresql_only("two connections share a report's work on PostgreSQL only")
def test_a_report_whose_second_connection_fails_is_finished_by_the_first(
    demo_office: None, django_db_blocker: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import threading

    from django.db import OperationalError
    from django.utils import translation

    from wholejourney.reporting import assembly

    override = translation.override

    def no_second_connection(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "report-helper":
            raise OperationalError("too many clients already")
        return override(*args, **kwargs)

    def figures() -> dict[str, Any]:
        report = assembly.build_report(period=Period.year(2023), office=Office.objects.get(code="KH"))
        return {key: (f.value, f.previous) for key, f in report.figures.items()}

    with django_db_blocker.unblock():
        shared = figures()
        monkeypatch.setattr(translation, "override", no_second_connection)
        assert figures() == shared

    assert "second connection failed" in caplog.text


# --- the report in every format, its drill-downs and its external edition (issue 9) -------------

KH_2023 = ["--year", "2023", "--office", "KH"]


def _expected_texts(language: str) -> dict[str, list[str]]:
    """Each published figure as the report prints it (localised), computed from the records."""
    from django.utils import translation

    from wholejourney.reporting.templatetags.reporting_tags import figure

    kh = Office.objects.get(code="KH")
    published = _published()
    texts: dict[str, list[str]] = {}
    with translation.override(language):
        for metric in all_metrics():
            if metric.id not in published:
                continue
            value = metric.compute(Period.year(2023), kh).value
            parts = list(value.values()) if isinstance(value, dict) else [value]
            texts[metric.id] = [figure(part) for part in parts]
    return texts


def _render(tmp_path: Path, fmt: str, *extra: str) -> Path:
    target = tmp_path / f"report.{fmt}"
    call_command("report", *KH_2023, "--format", fmt, "-o", str(target), *extra)
    return target


def _pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return [page for page in text.split("\f") if page.strip()]


@pytest.mark.django_db
def test_xlsx_read_back_holds_every_published_figure_as_a_number(demo_office: None, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(_render(tmp_path, "xlsx"))
    cells: dict[str, Any] = {}
    for sheet in book.worksheets[:-1]:
        for row in sheet.iter_rows(min_row=4, values_only=True):
            if row[0]:
                cells[str(row[0])] = row[2]
    published = _published()

    found: dict[str, Any] = {}
    for metric_id, value in published.items():
        if isinstance(value, dict):
            found[metric_id] = {part: cells[f"{metric_id}.{part}"] for part in value}
        elif isinstance(value, float) or metric_id.endswith("_pct"):
            found[metric_id] = round(cells[metric_id] * 100, 1)
        else:
            found[metric_id] = cells[metric_id]

    assert [sheet.title for sheet in book.worksheets] == [
        "Highlights", "Heal", "Prevent", "Increase capacity", "Promote awareness", "Empower and equip", "Definitions",
    ]  # fmt: skip
    assert all(isinstance(v, int | float) for v in cells.values() if v is not None)
    assert {k: v for k, v in found.items() if not _matches(v, published[k])} == {}
    assert book["Definitions"].max_row - 1 == len(all_metrics())


@pytest.mark.django_db
def test_pdf_text_holds_every_published_figure_and_says_internal_on_every_page(
    demo_office: None, tmp_path: Path
) -> None:
    pages = _pdf_pages(_render(tmp_path, "pdf"))
    text = "\n".join(pages)

    missing = {
        metric_id: shown for metric_id, shown in _expected_texts("en").items() if not all(s in text for s in shown)
    }

    assert missing == {}
    assert len(pages) >= 8
    assert all("INTERNAL" in page for page in pages)
    assert "Survivors supported, by abuse type" in text and "Services delivered, by month" in text


@pytest.mark.django_db
def test_khmer_pdf_holds_every_figure_in_khmer_and_no_missing_glyphs(demo_office: None, tmp_path: Path) -> None:
    path = _render(tmp_path, "pdf", "--language", "km")
    text = "\n".join(_pdf_pages(path))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout

    missing = {
        metric_id: shown for metric_id, shown in _expected_texts("km").items() if not all(s in text for s in shown)
    }

    assert missing == {}
    assert "Khmer-OS" in fonts
    assert "\ufffd" not in text


@pytest.mark.django_db
def test_external_pdf_is_not_marked_internal(demo_office: None, tmp_path: Path) -> None:
    pages = _pdf_pages(_render(tmp_path, "pdf", "--edition", "external"))

    assert not any("INTERNAL" in page for page in pages)
    assert "External edition" in pages[0]


@pytest.mark.django_db
def test_html_report_holds_every_figure(demo_office: None, tmp_path: Path) -> None:
    html = _render(tmp_path, "html").read_text()

    missing = {m: shown for m, shown in _expected_texts("en").items() if not all(s in html for s in shown)}

    assert missing == {}
    assert "<img" not in html


@pytest.mark.django_db
def test_every_drilldown_lists_as_many_records_as_its_figure(demo_office: None) -> None:
    from wholejourney.reporting.selectors import figure_records

    kh = Office.objects.get(code="KH")
    checked, wrong = 0, {}
    for metric in all_metrics():
        result = metric.compute(Period.year(2023), kh)
        targets = [("", result.value)] if result.records is not None and not isinstance(result.value, dict) else []
        targets += [(part, result.value[part]) for part in result.parts]  # type: ignore[index]
        for part, value in targets:
            records = figure_records(metric=metric, period=Period.year(2023), office=kh, part=part)
            rows = list(records.rows)
            listed = sum(row[records.sum_of] or 0 for row in rows) if records.sum_of else len(rows)
            expected = getattr(value, "part", value)  # a share lists its numerator
            checked += 1
            if listed != expected:
                wrong[(metric.id, part)] = (listed, expected)

    assert wrong == {}
    assert checked >= 60


@pytest.mark.django_db
def test_external_edition_of_2023_withholds_what_the_threshold_says(demo_office: None) -> None:
    from wholejourney.reporting import assembly, disclosure

    kh = Office.objects.get(code="KH")
    internal = assembly.build_report(period=Period.year(2023), office=kh, edition="internal")
    external = assembly.build_report(period=Period.year(2023), office=kh, edition="external")
    values, published = assembly._cells(internal.figures, "current")
    for state, count in assembly.charts.clock_states(Period.year(2023), kh).items():
        values[f"clock_states.{state}"] = count
        published.add(f"clock_states.{state}")
    tables = assembly.report_tables(values)
    withheld = {key for key in external.suppressed_keys if not key.startswith(("previous:", "services."))}
    small = {key for key in published if disclosure.is_small(values[key], external.threshold)}

    # Exactly the small counts, plus complements only where a small count could otherwise be worked out.
    complements = withheld - small
    for key in complements:
        remaining = withheld - {key}
        exposed = disclosure.derivable(tables, (set(values) - published) | remaining)
        assert exposed & (remaining | small), f"{key} was withheld without need"
    assert small <= withheld
    assert small == {key for key in published if 0 < (values[key] or 0) < 5}
    assert {key.split(".")[0] for key in small} == {"clock_resets_by_domain"}  # the only small counts of KH 2023
    # Every other figure is published as in the internal edition.
    printed = assembly.report_json(external)["metrics"]
    for metric_id, figure in printed.items():
        if isinstance(figure["value"], dict):
            for part, shown in figure["value"].items():
                hidden = f"{metric_id}.{part}" in withheld
                assert (shown is None) == hidden, (metric_id, part)
        elif metric_id in values:
            assert (figure["value"] is None) == (metric_id in withheld), metric_id
            if figure["value"] is not None:
                assert figure["value"] == internal.figures[metric_id].value
    assert printed["survivors_supported"]["value"] == 368


@pytest.mark.django_db
def test_external_json_of_the_command_nulls_withheld_counts(demo_office: None) -> None:
    out = StringIO()
    call_command("report", *KH_2023, "--format", "json", "--edition", "external", stdout=out)
    printed = json.loads(out.getvalue())

    resets = printed["metrics"]["clock_resets_by_domain"]
    kh = Office.objects.get(code="KH")
    counted = get_metric("clock_resets_by_domain").compute(Period.year(2023), kh).value
    assert printed["edition"] == "external" and printed["disclosure_threshold"] == 5
    assert resets["value"] == {domain: None if 0 < n < 5 else n for domain, n in counted.items()}  # type: ignore[union-attr]
    assert None in resets["value"].values()
    assert printed["metrics"]["prevention_trained"]["value"] == 1624


@pytest.mark.django_db
def test_me_officer_drills_into_three_figures_sees_codes_and_each_look_is_audited(
    demo_office: None, client: Any
) -> None:
    from wholejourney.accounts.models import User
    from wholejourney.audit.models import AuditEvent
    from wholejourney.clients.models import Client

    me = User.objects.get(username="me")
    client.force_login(me)
    query = "office=KH&year=2023"
    before = AuditEvent.objects.filter(object_type="reporting.figure").count()
    first_client = Client.objects.filter(office__code="KH").select_related("data_key").order_by("code").first()

    report = client.get(f"/reports/?{query}").content.decode()
    pages = [
        client.get(f"/reports/figures/{metric_id}/?{query}").content.decode()
        for metric_id in ("survivors_supported", "counseling_sessions", "books_donated")
    ]
    pages[2] = client.get(f"/reports/figures/books_donated/?{query}&part=ministry_of_education").content.decode()

    assert "368" in report and "/reports/figures/survivors_supported/" in report
    assert "368 records" in pages[0] and "841 records" in pages[1] and "adding up to 400" in pages[2]
    assert first_client is not None and first_client.given_name_latin
    assert all(first_client.given_name_latin not in page for page in [report, *pages])
    assert "/clients/" not in pages[0]
    assert AuditEvent.objects.filter(object_type="reporting.figure").count() == before + 3


@pytest.mark.django_db
def test_report_page_queries_are_the_same_for_a_year_and_a_quarter(demo_office: None, client: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wholejourney.accounts.models import User
    from wholejourney.accounts.roles import Role
    from wholejourney.core.tests.factories import make_user

    client.force_login(make_user(Role.ME_OFFICER, global_=True, username="global.me.2023"))
    counts = {}
    for period in ("year=2023", "year=2023&quarter=2"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/reports/?office=KH&{period}").status_code == 200
        counts[period] = len(queries.captured_queries)

    # A handful per metric for the period and the one before, whatever the number of records
    # (a period with nothing of a kind skips a query, hence a bound rather than equality).
    bound = 3 * len(all_metrics()) + 20
    assert all(count <= bound for count in counts.values()), counts
    assert User.objects.filter(username="global.me.2023").exists()


@pytest.mark.django_db
def test_a_voided_counseling_session_leaves_the_figures_and_comes_back_when_restored(demo_office: None) -> None:
    from wholejourney.accounts.models import User
    from wholejourney.care.models import CounselingSession, SessionAttendance
    from wholejourney.core.corrections import services as corrections
    from wholejourney.core.corrections.registry import kind_named

    kh = Office.objects.get(code="KH")
    period = Period.year(2023)

    def figures() -> tuple[int, int]:
        sessions = get_metric("counseling_sessions").compute(period, kh).value
        clients = get_metric("counseling_clients").compute(period, kh).value
        return sessions, clients  # type: ignore[return-value]

    session = (
        CounselingSession.objects.filter(office=kh, held_on__year=2023, format="individual")
        .exclude(pk__in=SessionAttendance.objects.filter(case__closed_on__isnull=False).values("session_id"))
        .order_by("held_on")
        .first()
    )
    assert session is not None
    client_id = SessionAttendance.objects.get(session=session).client_id
    others = SessionAttendance.objects.filter(client_id=client_id, session__held_on__year=2023).exclude(session=session)
    sessions_before, clients_before = figures()
    director = User.objects.get(username="director")
    kind = kind_named("counseling_session")

    corrections.record_void(actor=director, kind=kind, record=session, version=session.version, reason="Recorded twice")

    assert figures() == (sessions_before - 1, clients_before - (0 if others.exists() else 1))
    corrections.record_restore(actor=director, kind=kind, record=CounselingSession.all_records.get(pk=session.pk))
    assert figures() == (sessions_before, clients_before)
