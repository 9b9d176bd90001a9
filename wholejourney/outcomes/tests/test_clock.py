"""The stability clock: the programme's named cases, and properties over random histories."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wholejourney.outcomes.clock import (
    DOMAINS,
    AssessmentFact,
    CrisisFact,
    add_months,
    compute_clock,
)
from wholejourney.outcomes.services import clock_runs

ALL = frozenset(DOMAINS)
D = datetime.date


def stable(day: datetime.date) -> AssessmentFact:
    return AssessmentFact(day, ALL)


def unstable(day: datetime.date, *domains: str) -> AssessmentFact:
    return AssessmentFact(day, ALL - set(domains))


def test_clock_not_started_before_all_four_domains_are_stable() -> None:
    clock = compute_clock([unstable(D(2023, 1, 5), "economic")], [], as_of=D(2023, 12, 31), birth_year=1995)

    assert clock.state == "not_started" and clock.events == []


def test_adult_is_whole_after_six_calendar_months() -> None:
    clock = compute_clock([stable(D(2023, 1, 10))], [], as_of=D(2023, 12, 31), birth_year=1995)

    assert clock.state == "whole"
    assert clock.whole_dates == [D(2023, 7, 10)]
    assert [e.kind for e in clock.events] == ["start", "whole"]


def test_crisis_at_month_five_and_a_half_resets_the_clock() -> None:
    start, crisis = D(2023, 1, 1), D(2023, 6, 15)
    clock = compute_clock(
        [stable(start), stable(D(2023, 7, 1))],
        [CrisisFact(crisis, frozenset({"wellbeing"}))],
        as_of=D(2023, 10, 1),
        birth_year=1995,
    )

    reset = [e for e in clock.events if e.kind == "reset"]
    assert reset[0].day == crisis and reset[0].reasons == ("crisis:wellbeing",)
    assert clock.state == "running" and clock.run_started_on == D(2023, 7, 1)
    assert clock.whole_on == D(2024, 1, 1) and clock.whole_dates == []


def test_unstable_assessment_in_one_domain_resets() -> None:
    clock = compute_clock(
        [stable(D(2023, 1, 1)), unstable(D(2023, 4, 1), "social"), stable(D(2023, 5, 1))],
        [],
        as_of=D(2023, 10, 1),
        birth_year=1990,
    )

    assert [(e.day, e.kind, e.reasons) for e in clock.events] == [
        (D(2023, 1, 1), "start", ()),
        (D(2023, 4, 1), "reset", ("assessment:social",)),
        (D(2023, 5, 1), "start", ()),
    ]
    assert clock.whole_on == D(2023, 11, 1) and clock.state == "running"


def test_child_of_fourteen_needs_twelve_months() -> None:
    clock = compute_clock([stable(D(2023, 1, 1))], [], as_of=D(2023, 12, 31), birth_date=D(2009, 3, 1))

    assert clock.required_months == 12 and clock.state == "running" and clock.whole_on == D(2024, 1, 1)


def test_run_started_at_fourteen_keeps_the_twelve_month_rule_after_the_fifteenth_birthday() -> None:
    birth = D(2008, 3, 1)  # 14 on 1 January 2023, 15 on 1 March 2023
    clock = compute_clock([stable(D(2023, 1, 1)), stable(D(2023, 8, 1))], [], as_of=D(2023, 9, 1), birth_date=birth)

    assert clock.required_months == 12 and clock.state == "running"


def test_run_started_at_fifteen_needs_six_months() -> None:
    clock = compute_clock([stable(D(2023, 3, 1))], [], as_of=D(2023, 12, 31), birth_date=D(2008, 3, 1))

    assert clock.required_months == 6 and clock.whole_dates == [D(2023, 9, 1)]


@pytest.mark.parametrize(
    ("started_on", "required_months", "whole_on"),
    [
        pytest.param(D(2023, 6, 14), 12, D(2024, 6, 14), id="day_before_fifteenth_birthday"),
        pytest.param(D(2023, 6, 15), 6, D(2023, 12, 15), id="on_fifteenth_birthday"),
        pytest.param(D(2023, 6, 16), 6, D(2023, 12, 16), id="day_after_fifteenth_birthday"),
    ],
)
def test_run_length_turns_on_the_exact_fifteenth_birthday_mid_month(
    started_on: datetime.date, required_months: int, whole_on: datetime.date
) -> None:
    birth = D(2008, 6, 15)  # 14 until 14 June 2023, 15 from 15 June 2023

    clock = compute_clock([stable(started_on)], [], as_of=D(2024, 12, 31), birth_date=birth)

    assert clock.required_months == required_months
    assert clock.whole_dates == [whole_on]


def test_unknown_age_takes_the_longer_rule() -> None:
    assert compute_clock([stable(D(2023, 1, 1))], [], as_of=D(2023, 12, 31)).required_months == 12


def test_two_assessments_on_the_same_day_the_worse_counts_whatever_the_order() -> None:
    day = D(2023, 2, 1)
    facts = [stable(D(2023, 1, 1)), stable(day), unstable(day, "protection")]

    forward = compute_clock(facts, [], as_of=D(2023, 12, 31), birth_year=1990)
    backward = compute_clock(list(reversed(facts)), [], as_of=D(2023, 12, 31), birth_year=1990)

    assert forward.events == backward.events
    assert forward.events[1].kind == "reset" and forward.state == "not_started"


def test_crisis_after_wholeness_keeps_the_past_event_and_opens_a_new_run() -> None:
    clock = compute_clock(
        [stable(D(2022, 1, 1)), stable(D(2023, 3, 1))],
        [CrisisFact(D(2023, 1, 10), frozenset({"protection"}))],
        as_of=D(2023, 6, 1),
        birth_year=1990,
    )

    assert clock.whole_dates == [D(2022, 7, 1)]
    assert [e.kind for e in clock.events] == ["start", "whole", "reset", "start"]
    assert clock.state == "running"


def test_crisis_on_the_day_the_run_would_complete_prevents_wholeness() -> None:
    clock = compute_clock(
        [stable(D(2023, 1, 1))],
        [CrisisFact(D(2023, 7, 1), frozenset({"social"}))],
        as_of=D(2023, 12, 1),
        birth_year=1990,
    )

    assert clock.whole_dates == [] and clock.state == "not_started"


def test_add_months_clips_to_the_end_of_the_month() -> None:
    assert add_months(D(2023, 8, 31), 6) == D(2024, 2, 29)
    assert add_months(D(2023, 12, 15), 1) == D(2024, 1, 15)


# --- properties ------------------------------------------------------------------------------

days = st.dates(min_value=D(2020, 1, 1), max_value=D(2024, 12, 31))
domain_sets = st.frozensets(st.sampled_from(DOMAINS))
assessments = st.lists(st.builds(AssessmentFact, days, domain_sets | st.just(ALL)), max_size=25)
crises = st.lists(st.builds(CrisisFact, days, domain_sets.filter(bool)), max_size=6)
births = st.one_of(st.none(), st.dates(min_value=D(1980, 1, 1), max_value=D(2018, 12, 31)))
AS_OF = D(2025, 6, 30)


@settings(max_examples=600, deadline=None)
@given(assessments, crises, births)
def test_property_never_negative_and_consistent(
    facts: list[AssessmentFact], events: list[CrisisFact], birth: datetime.date | None
) -> None:
    clock = compute_clock(facts, events, as_of=AS_OF, birth_date=birth)

    assert clock.days_elapsed >= 0 and clock.days_required >= 0
    assert clock.days_elapsed <= clock.days_required or clock.run_started_on is None
    assert [e.day for e in clock.events] == sorted(e.day for e in clock.events)


@settings(max_examples=600, deadline=None)
@given(assessments, crises, births)
def test_property_never_whole_without_a_full_run_of_stable_assessments(
    facts: list[AssessmentFact], events: list[CrisisFact], birth: datetime.date | None
) -> None:
    clock = compute_clock(facts, events, as_of=AS_OF, birth_date=birth)

    for whole in clock.whole_dates:
        start = max(e.day for e in clock.events if e.kind == "start" and e.day < whole)
        # The run began on a day all four domains were stable …
        assert any(f.day <= start for f in facts)
        # … and nothing in it, up to and including the whole day, found a domain not stable.
        assert not any(start < f.day <= whole and f.stable != ALL for f in facts)
        assert not any(start <= c.day <= whole for c in events)
        assert whole >= add_months(start, 6)


@settings(max_examples=600, deadline=None)
@given(assessments, crises, births)
def test_property_no_wholeness_before_a_crisis_plus_the_required_length(
    facts: list[AssessmentFact], events: list[CrisisFact], birth: datetime.date | None
) -> None:
    clock = compute_clock(facts, events, as_of=AS_OF, birth_date=birth)

    for whole in clock.whole_dates:
        run = max((e for e in clock.events if e.kind == "start" and e.day < whole), key=lambda e: e.day)
        assert run.required_months is not None
        for crisis in events:
            if crisis.day <= whole:
                # Not sooner than the required months after the crisis. It can be exactly that: a
                # run that starts the day after a crisis on 30 March ends its 6 months on 30
                # September, as 31 March + 6 months is clamped to the month's last day.
                assert whole >= add_months(crisis.day, run.required_months)


@settings(max_examples=600, deadline=None)
@given(assessments, crises, births, st.randoms())
def test_property_order_of_entry_does_not_matter(
    facts: list[AssessmentFact], events: list[CrisisFact], birth: datetime.date | None, rng: object
) -> None:
    shuffled_facts, shuffled_events = facts[:], events[:]
    rng.shuffle(shuffled_facts)  # type: ignore[attr-defined]
    rng.shuffle(shuffled_events)  # type: ignore[attr-defined]

    first = compute_clock(facts, events, as_of=AS_OF, birth_date=birth)
    second = compute_clock(shuffled_facts, shuffled_events, as_of=AS_OF, birth_date=birth)

    assert first.events == second.events and first.state == second.state


@settings(max_examples=600, deadline=None)
@given(assessments, crises, births, days)
def test_property_stored_runs_tell_the_clock_of_any_earlier_day(
    facts: list[AssessmentFact], events: list[CrisisFact], birth: datetime.date | None, day: datetime.date
) -> None:
    """The runs stored once (ClockRun, computed as of today) say what the clock computed as of any
    earlier day says: its whole dates, its resets and its state that day (what the report reads)."""
    runs = clock_runs(0, compute_clock(facts, events, as_of=AS_OF, birth_date=birth))
    then = compute_clock(facts, events, as_of=day, birth_date=birth)

    whole = [r.whole_on for r in runs if r.whole_on <= day and (r.reset_on is None or r.reset_on > r.whole_on)]
    resets = [(r.reset_on, r.reset_reason) for r in runs if r.reset_on is not None and r.reset_on <= day]
    going = [r for r in runs if r.started_on <= day and (r.reset_on is None or r.reset_on > day)]
    state = "not_started" if not going else "whole" if going[0].whole_on <= day else "running"

    assert whole == then.whole_dates
    assert resets == [(e.day, ",".join(e.reasons)) for e in then.events if e.kind == "reset"]
    assert len(going) <= 1 and state == then.state


@settings(max_examples=600, deadline=None)
@given(assessments, crises, st.dates(min_value=D(1980, 1, 1), max_value=D(2018, 12, 31)))
def test_property_year_of_birth_decides_the_rule_unless_a_run_starts_the_year_the_client_turns_fifteen(
    facts: list[AssessmentFact], events: list[CrisisFact], birth: datetime.date
) -> None:
    """Why the migration that stores the runs reads the encrypted date of birth so rarely."""
    exact = compute_clock(facts, events, as_of=AS_OF, birth_date=birth, birth_year=birth.year)
    by_year = compute_clock(facts, events, as_of=AS_OF, birth_year=birth.year)

    if not any(e.kind == "start" and e.day.year - birth.year == 15 for e in by_year.events):
        assert by_year.events == exact.events and by_year.state == exact.state
    assert [e.day for e in by_year.events if e.kind != "whole"] == [e.day for e in exact.events if e.kind != "whole"]


def test_a_run_starting_the_day_after_a_month_end_crisis_is_whole_exactly_six_months_after_it() -> None:
    """The case hypothesis found: crisis on 30 March, stable from 31 March; 31 March + 6 months is
    30 September (there is no 31st), the same day as the crisis + 6 months, and not earlier."""
    facts = [AssessmentFact(day=datetime.date(2020, 3, 31), stable=ALL)]
    crises = [CrisisFact(day=datetime.date(2020, 3, 30), domains=frozenset({"protection"}))]

    clock = compute_clock(facts, crises, as_of=datetime.date(2021, 1, 1), birth_date=datetime.date(1990, 1, 1))

    assert clock.whole_dates == [datetime.date(2020, 9, 30)]
