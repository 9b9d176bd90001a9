"""The report's case figures at the edges of their definitions (../shared/report-2023/metrics.yaml).

Each test lays out a small history with factories and asks the registered metric for 2023 (or
another period) in the Cambodia office, the way the report command does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from wholejourney.cases.models import AbuseType, Case, CaseStatus, ClosureReason, PlacementKind
from wholejourney.cases.tests.records import CaseFactory, ClientFactory, PlacementFactory, day, referred_case
from wholejourney.core.models import Office
from wholejourney.core.tests.factories import OfficeFactory
from wholejourney.partners.models import OrganisationKind
from wholejourney.reporting.registry import MetricResult, Period, get_metric

pytestmark = pytest.mark.django_db

CASE_METRICS = (
    "survivors_supported",
    "survivors_by_abuse_type",
    "survivors_in_shelter",
    "survivors_in_foster_care",
    "survivors_reintegrated",
    "survivors_closed",
    "ngo_referral_share_pct",
    "government_referral_share_pct",
)
Y2023 = Period.year(2023)


@dataclass
class Offices:
    kh: Office
    vn: Office


@pytest.fixture
def offices() -> Offices:
    return Offices(kh=OfficeFactory(code="KH"), vn=OfficeFactory(code="VN", time_zone="Asia/Ho_Chi_Minh"))


def compute(metric_id: str, office: Office | None, period: Period = Y2023) -> MetricResult:
    return get_metric(metric_id).compute(period, office)


def value(metric_id: str, office: Office | None, period: Period = Y2023) -> Any:
    return compute(metric_id, office, period).value


def clients_of(metric_id: str, office: Office | None, period: Period = Y2023) -> set[str]:
    records = compute(metric_id, office, period).records
    assert records is not None
    return set(records.values_list("code", flat=True))


# --- survivors_supported ---------------------------------------------------------------------


def test_survivors_supported_counts_case_opened_on_last_day_of_period(offices: Offices) -> None:
    case = CaseFactory(client__office=offices.kh, opened_on=day(2023, 12, 31))

    assert value("survivors_supported", offices.kh) == 1
    assert clients_of("survivors_supported", offices.kh) == {case.client.code}


def test_survivors_supported_counts_case_closed_on_first_day_of_period(offices: Offices) -> None:
    CaseFactory(client__office=offices.kh, opened_on=day(2022, 5, 1), closed_on=day(2023, 1, 1))

    assert value("survivors_supported", offices.kh) == 1


def test_survivors_supported_leaves_out_case_closed_on_last_day_of_previous_year(offices: Offices) -> None:
    CaseFactory(client__office=offices.kh, opened_on=day(2022, 5, 1), closed_on=day(2022, 12, 31))

    assert value("survivors_supported", offices.kh) == 0


def test_survivors_supported_leaves_out_case_opened_after_period(offices: Offices) -> None:
    CaseFactory(client__office=offices.kh, opened_on=day(2024, 1, 1))

    assert value("survivors_supported", offices.kh) == 0


def test_survivors_supported_counts_case_open_throughout_period(offices: Offices) -> None:
    CaseFactory(client__office=offices.kh, opened_on=day(2021, 2, 1), status=CaseStatus.FOLLOW_UP)

    assert value("survivors_supported", offices.kh) == 1


def test_survivors_supported_counts_client_with_two_cases_once(offices: Offices) -> None:
    client = ClientFactory(office=offices.kh)
    CaseFactory(client=client, opened_on=day(2022, 6, 1), closed_on=day(2023, 2, 1))
    CaseFactory(client=client, opened_on=day(2023, 9, 1))

    assert value("survivors_supported", offices.kh) == 1


# --- survivors_by_abuse_type -----------------------------------------------------------------


def test_survivors_by_abuse_type_counts_client_under_latest_case_type(offices: Offices) -> None:
    client = ClientFactory(office=offices.kh)
    CaseFactory(
        client=client, opened_on=day(2022, 6, 1), closed_on=day(2023, 2, 1), primary_abuse_type=AbuseType.SEXUAL_ABUSE
    )
    CaseFactory(client=client, opened_on=day(2023, 9, 1), primary_abuse_type=AbuseType.DOMESTIC_VIOLENCE)

    result = compute("survivors_by_abuse_type", offices.kh)

    assert isinstance(result.value, dict)
    assert (result.value["domestic_violence"], result.value["sexual_abuse"]) == (1, 0)
    assert set(result.parts["domestic_violence"].values_list("code", flat=True)) == {client.code}


def test_survivors_by_abuse_type_ignores_latest_case_outside_period(offices: Offices) -> None:
    client = ClientFactory(office=offices.kh)
    CaseFactory(
        client=client, opened_on=day(2023, 1, 5), closed_on=day(2023, 6, 1), primary_abuse_type=AbuseType.SEXUAL_ABUSE
    )
    CaseFactory(client=client, opened_on=day(2024, 2, 1), primary_abuse_type=AbuseType.OTHER_ABUSE)

    by_type = value("survivors_by_abuse_type", offices.kh)

    assert by_type["sexual_abuse"] == 1
    assert by_type["other_abuse"] == 0


def test_survivors_by_abuse_type_parts_add_up_to_survivors_supported(offices: Offices) -> None:
    twice = ClientFactory(office=offices.kh)
    CaseFactory(client=twice, opened_on=day(2022, 1, 1), closed_on=day(2023, 3, 1))
    CaseFactory(client=twice, opened_on=day(2023, 4, 1), primary_abuse_type=AbuseType.ONLINE_SEXUAL_EXPLOITATION)
    for abuse_type in AbuseType:
        CaseFactory(client__office=offices.kh, opened_on=day(2023, 7, 1), primary_abuse_type=abuse_type)

    by_type = value("survivors_by_abuse_type", offices.kh)

    assert set(by_type) == set(AbuseType.values)
    assert sum(by_type.values()) == value("survivors_supported", offices.kh) == 6
    assert by_type["online_sexual_exploitation"] == 2


# --- survivors_in_shelter / survivors_in_foster_care -----------------------------------------


def test_survivors_in_shelter_counts_placement_across_year_boundary(offices: Offices) -> None:
    case = CaseFactory(client__office=offices.kh, opened_on=day(2022, 10, 1))
    PlacementFactory(case=case, kind=PlacementKind.SHELTER, start=day(2022, 10, 1), end=day(2023, 2, 1))

    assert value("survivors_in_shelter", offices.kh) == 1
    assert value("survivors_in_shelter", offices.kh, Period.year(2022)) == 1


def test_survivors_in_shelter_leaves_out_placement_ended_on_first_day_of_period(offices: Offices) -> None:
    # [2022-10-01, 2023-01-01): the client moved out on New Year's Day and slept elsewhere that night.
    case = CaseFactory(client__office=offices.kh, opened_on=day(2022, 10, 1))
    PlacementFactory(case=case, kind=PlacementKind.SHELTER, start=day(2022, 10, 1), end=day(2023, 1, 1))

    assert value("survivors_in_shelter", offices.kh) == 0
    assert value("survivors_in_shelter", offices.kh, Period.year(2022)) == 1


def test_survivors_in_shelter_counts_placement_starting_on_last_day_of_period(offices: Offices) -> None:
    case = CaseFactory(client__office=offices.kh, opened_on=day(2023, 12, 31))
    PlacementFactory(case=case, kind=PlacementKind.SHELTER, start=day(2023, 12, 31))

    assert value("survivors_in_shelter", offices.kh) == 1
    assert value("survivors_in_shelter", offices.kh, Period.year(2024)) == 1


def test_survivors_in_shelter_counts_client_with_two_stays_once(offices: Offices) -> None:
    case = CaseFactory(client__office=offices.kh, opened_on=day(2023, 1, 10))
    PlacementFactory(case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 10), end=day(2023, 3, 1))
    PlacementFactory(case=case, kind=PlacementKind.FAMILY, start=day(2023, 3, 1), end=day(2023, 5, 1))
    PlacementFactory(case=case, kind=PlacementKind.SHELTER, start=day(2023, 5, 1))

    assert value("survivors_in_shelter", offices.kh) == 1


def test_survivors_in_shelter_leaves_out_other_organisations_shelter(offices: Offices) -> None:
    case = CaseFactory(client__office=offices.kh, opened_on=day(2023, 2, 1))
    PlacementFactory(case=case, kind=PlacementKind.OTHER_SHELTER, start=day(2023, 2, 1))

    assert value("survivors_in_shelter", offices.kh) == 0


def test_survivors_in_foster_care_counts_placement_across_year_boundary(offices: Offices) -> None:
    case = CaseFactory(client__office=offices.kh, opened_on=day(2022, 11, 1))
    PlacementFactory(case=case, kind=PlacementKind.FOSTER_CARE, start=day(2022, 11, 1), end=day(2023, 1, 2))
    ended = CaseFactory(client__office=offices.kh, opened_on=day(2022, 11, 1))
    PlacementFactory(case=ended, kind=PlacementKind.FOSTER_CARE, start=day(2022, 11, 1), end=day(2023, 1, 1))

    assert clients_of("survivors_in_foster_care", offices.kh) == {case.client.code}
    assert value("survivors_in_shelter", offices.kh) == 0


# --- survivors_reintegrated ------------------------------------------------------------------


def _moved(
    office: Office, *, from_kind: str, to_kind: str, on: datetime.date, since: datetime.date = datetime.date(2022, 6, 1)
) -> str:
    """A client who lived in `from_kind` and moved to `to_kind` on `on`; returns their code."""
    case = CaseFactory(client__office=office, opened_on=since)
    PlacementFactory(case=case, kind=from_kind, start=since, end=on)
    PlacementFactory(case=case, kind=to_kind, start=on)
    return case.client.code


def test_survivors_reintegrated_counts_move_home_on_last_day_of_period(offices: Offices) -> None:
    code = _moved(offices.kh, from_kind=PlacementKind.SHELTER, to_kind=PlacementKind.FAMILY, on=day(2023, 12, 31))

    assert clients_of("survivors_reintegrated", offices.kh) == {code}


def test_survivors_reintegrated_leaves_out_move_on_first_day_of_next_year(offices: Offices) -> None:
    _moved(offices.kh, from_kind=PlacementKind.SHELTER, to_kind=PlacementKind.FAMILY, on=day(2024, 1, 1))

    assert value("survivors_reintegrated", offices.kh) == 0
    assert value("survivors_reintegrated", offices.kh, Period.year(2024)) == 1


@pytest.mark.parametrize("from_kind", [PlacementKind.SHELTER, PlacementKind.FOSTER_CARE, PlacementKind.OTHER_SHELTER])
@pytest.mark.parametrize(
    "to_kind", [PlacementKind.FAMILY, PlacementKind.RELATIVES, PlacementKind.COMMUNITY, PlacementKind.INDEPENDENT]
)
def test_survivors_reintegrated_counts_move_from_care_to_home(offices: Offices, from_kind: str, to_kind: str) -> None:
    _moved(offices.kh, from_kind=from_kind, to_kind=to_kind, on=day(2023, 6, 1))

    assert value("survivors_reintegrated", offices.kh) == 1


@pytest.mark.parametrize(
    ("from_kind", "to_kind"),
    [
        (PlacementKind.SHELTER, PlacementKind.FOSTER_CARE),
        (PlacementKind.SHELTER, PlacementKind.OTHER_SHELTER),
        (PlacementKind.FAMILY, PlacementKind.COMMUNITY),
        (PlacementKind.RELATIVES, PlacementKind.INDEPENDENT),
    ],
)
def test_survivors_reintegrated_leaves_out_move_within_care_or_within_home(
    offices: Offices, from_kind: str, to_kind: str
) -> None:
    _moved(offices.kh, from_kind=from_kind, to_kind=to_kind, on=day(2023, 6, 1))

    assert value("survivors_reintegrated", offices.kh) == 0


def test_survivors_reintegrated_leaves_out_first_placement_at_home(offices: Offices) -> None:
    case = CaseFactory(client__office=offices.kh, opened_on=day(2023, 4, 1))
    PlacementFactory(case=case, kind=PlacementKind.FAMILY, start=day(2023, 4, 1))

    assert value("survivors_reintegrated", offices.kh) == 0


def test_survivors_reintegrated_leaves_out_home_placement_long_after_shelter_stay_ended(offices: Offices) -> None:
    # The shelter stay ended with the first case in 2021; a new case in 2023 finds her living with
    # her family. She did not move from the shelter to her family in 2023.
    client = ClientFactory(office=offices.kh)
    first = CaseFactory(client=client, opened_on=day(2021, 3, 1), closed_on=day(2021, 9, 1))
    PlacementFactory(case=first, kind=PlacementKind.SHELTER, start=day(2021, 3, 1), end=day(2021, 9, 1))
    second = CaseFactory(client=client, opened_on=day(2023, 5, 1))
    PlacementFactory(case=second, kind=PlacementKind.FAMILY, start=day(2023, 5, 1))

    assert value("survivors_reintegrated", offices.kh) == 0


def test_survivors_reintegrated_counts_client_with_two_moves_home_once(offices: Offices) -> None:
    case = CaseFactory(client__office=offices.kh, opened_on=day(2023, 1, 2))
    PlacementFactory(case=case, kind=PlacementKind.SHELTER, start=day(2023, 1, 2), end=day(2023, 3, 1))
    PlacementFactory(case=case, kind=PlacementKind.FAMILY, start=day(2023, 3, 1), end=day(2023, 5, 1))
    PlacementFactory(case=case, kind=PlacementKind.FOSTER_CARE, start=day(2023, 5, 1), end=day(2023, 8, 1))
    PlacementFactory(case=case, kind=PlacementKind.RELATIVES, start=day(2023, 8, 1))

    assert value("survivors_reintegrated", offices.kh) == 1


# --- survivors_closed ------------------------------------------------------------------------


def test_survivors_closed_counts_goals_achieved_on_period_edges(offices: Offices) -> None:
    first = CaseFactory(client__office=offices.kh, opened_on=day(2022, 3, 1), closed_on=day(2023, 1, 1))
    last = CaseFactory(client__office=offices.kh, opened_on=day(2022, 3, 1), closed_on=day(2023, 12, 31))
    CaseFactory(client__office=offices.kh, opened_on=day(2022, 3, 1), closed_on=day(2022, 12, 31))
    CaseFactory(client__office=offices.kh, opened_on=day(2023, 3, 1), closed_on=day(2024, 1, 1))

    assert clients_of("survivors_closed", offices.kh) == {first.client.code, last.client.code}


@pytest.mark.parametrize("reason", sorted(set(ClosureReason.values) - {ClosureReason.GOALS_ACHIEVED}))
def test_survivors_closed_leaves_out_other_closure_reasons(offices: Offices, reason: str) -> None:
    CaseFactory(client__office=offices.kh, opened_on=day(2022, 3, 1), closed_on=day(2023, 6, 1), closure_reason=reason)

    assert value("survivors_closed", offices.kh) == 0
    assert value("survivors_supported", offices.kh) == 1


def test_survivors_closed_leaves_out_case_still_open(offices: Offices) -> None:
    CaseFactory(client__office=offices.kh, opened_on=day(2023, 3, 1))

    assert value("survivors_closed", offices.kh) == 0


# --- referral shares -------------------------------------------------------------------------


def test_ngo_referral_share_pct_divides_by_every_case_opened_in_period(offices: Offices) -> None:
    referred_case(office=offices.kh, kind=OrganisationKind.NGO, opened_on=day(2023, 1, 1))
    referred_case(office=offices.kh, kind=OrganisationKind.NGO, opened_on=day(2023, 12, 31))
    referred_case(office=offices.kh, kind=OrganisationKind.POLICE, opened_on=day(2023, 5, 1))
    CaseFactory(client__office=offices.kh, opened_on=day(2023, 6, 1))  # no referral: self-referred
    referred_case(office=offices.kh, kind=OrganisationKind.NGO, opened_on=day(2022, 12, 31))  # carried in
    referred_case(office=offices.kh, kind=OrganisationKind.NGO, opened_on=day(2024, 1, 1))

    assert value("ngo_referral_share_pct", offices.kh) == 50.0
    assert value("government_referral_share_pct", offices.kh) == 25.0


def test_ngo_referral_share_pct_leaves_out_international_ngos(offices: Offices) -> None:
    referred_case(office=offices.kh, kind=OrganisationKind.NGO, opened_on=day(2023, 2, 1))
    referred_case(office=offices.kh, kind=OrganisationKind.INGO, opened_on=day(2023, 2, 1))
    referred_case(office=offices.kh, kind=OrganisationKind.CHURCH, opened_on=day(2023, 2, 1))

    assert value("ngo_referral_share_pct", offices.kh) == 33.3


@pytest.mark.parametrize(
    "kind",
    [
        OrganisationKind.GOVERNMENT_MINISTRY,
        OrganisationKind.PROVINCIAL_AUTHORITY,
        OrganisationKind.CCWC,
        OrganisationKind.POLICE,
    ],
)
def test_government_referral_share_pct_counts_each_government_kind(offices: Offices, kind: str) -> None:
    referred_case(office=offices.kh, kind=kind, opened_on=day(2023, 2, 1))

    assert value("government_referral_share_pct", offices.kh) == 100.0
    assert value("ngo_referral_share_pct", offices.kh) == 0.0


@pytest.mark.parametrize(
    "kind", sorted(set(OrganisationKind.values) - {"government_ministry", "provincial_authority", "ccwc", "police"})
)
def test_government_referral_share_pct_leaves_out_non_government_kinds(offices: Offices, kind: str) -> None:
    referred_case(office=offices.kh, kind=kind, opened_on=day(2023, 2, 1))

    assert value("government_referral_share_pct", offices.kh) == 0.0


@pytest.mark.parametrize("metric_id", ["ngo_referral_share_pct", "government_referral_share_pct"])
def test_referral_share_is_none_when_no_case_opened(offices: Offices, metric_id: str) -> None:
    referred_case(office=offices.kh, kind=OrganisationKind.NGO, opened_on=day(2022, 5, 1))  # active, not opened

    assert value("survivors_supported", offices.kh) == 1
    assert value(metric_id, offices.kh) is None


# --- offices ---------------------------------------------------------------------------------


def _history_in(office: Office) -> None:
    """One client of each kind every figure counts, in `office`."""
    moved = CaseFactory(client__office=office, opened_on=day(2022, 9, 1), primary_abuse_type=AbuseType.SEXUAL_ABUSE)
    PlacementFactory(case=moved, kind=PlacementKind.SHELTER, start=day(2022, 9, 1), end=day(2023, 4, 1))
    PlacementFactory(case=moved, kind=PlacementKind.FAMILY, start=day(2023, 4, 1))
    fostered = referred_case(office=office, kind=OrganisationKind.NGO, opened_on=day(2023, 2, 1))
    PlacementFactory(case=fostered, kind=PlacementKind.FOSTER_CARE, start=day(2023, 2, 1))
    referred_case(
        office=office,
        kind=OrganisationKind.CCWC,
        opened_on=day(2023, 3, 1),
        closed_on=day(2023, 11, 1),
        primary_abuse_type=AbuseType.DOMESTIC_VIOLENCE,
    )


def test_case_metrics_leave_out_other_offices_records(offices: Offices) -> None:
    _history_in(offices.vn)

    figures = {metric_id: value(metric_id, offices.kh) for metric_id in CASE_METRICS}

    assert figures == {
        "survivors_supported": 0,
        "survivors_by_abuse_type": dict.fromkeys(AbuseType.values, 0),
        "survivors_in_shelter": 0,
        "survivors_in_foster_care": 0,
        "survivors_reintegrated": 0,
        "survivors_closed": 0,
        "ngo_referral_share_pct": None,
        "government_referral_share_pct": None,
    }


def test_case_metrics_for_global_office_include_every_office(offices: Offices) -> None:
    _history_in(offices.kh)
    _history_in(offices.vn)

    kh = {metric_id: value(metric_id, offices.kh) for metric_id in CASE_METRICS}
    everywhere = {metric_id: value(metric_id, None) for metric_id in CASE_METRICS}

    assert kh["survivors_supported"] == 3
    assert everywhere["survivors_supported"] == 6
    assert everywhere["survivors_by_abuse_type"]["domestic_violence"] == 2
    assert (everywhere["survivors_in_shelter"], everywhere["survivors_in_foster_care"]) == (2, 2)
    assert (everywhere["survivors_reintegrated"], everywhere["survivors_closed"]) == (2, 2)
    assert everywhere["ngo_referral_share_pct"] == kh["ngo_referral_share_pct"] == 50.0
    assert everywhere["government_referral_share_pct"] == kh["government_referral_share_pct"] == 50.0


# --- every figure counts its records ---------------------------------------------------------


@pytest.mark.parametrize("office_code", ["KH", None])
def test_case_metrics_records_count_equals_value(offices: Offices, office_code: str | None) -> None:
    _history_in(offices.kh)
    _history_in(offices.vn)
    referred_case(office=offices.kh, kind=OrganisationKind.INGO, opened_on=day(2023, 8, 1))
    CaseFactory(client__office=offices.kh, opened_on=day(2021, 1, 1), closed_on=day(2022, 6, 1))
    office = offices.kh if office_code else None
    opened_in_2023 = Case.objects.filter(opened_on__year=2023, **({"office": office} if office else {})).count()

    results = {metric_id: compute(metric_id, office) for metric_id in CASE_METRICS}

    for metric_id, result in results.items():
        if metric_id == "survivors_by_abuse_type":
            assert {part: records.count() for part, records in result.parts.items()} == result.value
        elif metric_id.endswith("_share_pct"):
            assert result.records is not None
            assert result.value == round(100 * result.records.count() / opened_in_2023, 1), metric_id
        else:
            assert result.records is not None
            assert result.records.count() == result.value, metric_id
    assert results["survivors_supported"].value == (4 if office else 7)
