"""Checking a whole workbook before anything is written.

Every problem is collected, not the first (problems.py: what a problem holds, and its messages).

The rules are the services' rules (clients, cases, care, outcomes, programmes services), applied
to rows instead of forms; the loader writes in bulk what passed them (see load.py for why).
Memory: the rows are streamed; what is kept is, per row id of a sheet that other sheets refer to,
a few dates and codes (cases, trainings, legal cases), and for other sheets an 8-byte hash of the
row id to find duplicates.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from wholejourney.accounts.models import Team, User
from wholejourney.care.models import (
    CounselingSession,
    LegalCase,
    LegalMilestone,
    SessionFormat,
    Training,
    TreatmentPlan,
)
from wholejourney.cases.models import AbuseType, Case, CaseStatus, PlacementKind, Referral, ReferralSource
from wholejourney.core.models import Office
from wholejourney.imports import format as fmt
from wholejourney.imports import stays
from wholejourney.imports.cells import CellProblem, normal_text, read_header, row_values
from wholejourney.imports.models import ImportedRow
from wholejourney.imports.problems import Problem
from wholejourney.imports.reader import IGNORED_SHEETS, ReadError, Source, known_sheets, normal_name
from wholejourney.imports.spool import Spool
from wholejourney.imports.stays import Stay
from wholejourney.options.selectors import resolve as resolve_option
from wholejourney.partners.models import Organisation, OrganisationKind
from wholejourney.programmes.models import Activity, ActivityKind, HusbandWifeGroup

MAX_PROBLEMS = 10_000


def ref_hash(ref: str) -> int:
    return int.from_bytes(hashlib.blake2b(ref.encode(), digest_size=8).digest(), "big")


# --- what is remembered of the rows other rows refer to ---------------------------------------


@dataclass
class CaseInfo:
    client: str
    opened_on: datetime.date
    closed_on: datetime.date | None


class Checker:
    """Reads every sheet once and collects every problem. `index` keeps, for the sheets other sheets
    refer to, each row id (from this workbook and from earlier imports) and what the rules need."""

    def __init__(
        self,
        office: Office,
        source: Source,
        *,
        on_row: Callable[[int], None] | None = None,
        spool: Spool | None = None,
    ) -> None:
        self.office = office
        self.source = source
        self.on_row = on_row
        # The rows, as the loader writes them, while the workbook has no problem.
        self.spool = spool
        self.today = timezone.localdate()
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.rows: dict[str, int] = {}
        self.index: dict[str, dict[str, Any]] = {name: {} for name in fmt.REFERENCED}
        self.rows_of: dict[str, dict[str, int]] = {name: {} for name in fmt.REFERENCED}
        self.sheets = known_sheets(source)
        self.current_row = 0

    def add(self, sheet: str, row: int, column: str, code: str, /, **params: Any) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(sheet, row, column, code, params))

    def run(self) -> list[Problem]:
        for name in self.source.sheet_names():
            key = normal_name(name)
            if key not in fmt.SHEET_BY_NAME and key not in IGNORED_SHEETS:
                self.add(name[:40], 0, "", "unknown_sheet")
        if not self.sheets:
            self.add("", 0, "", "no_sheets")
            return self.problems
        self._preload()
        for sheet in fmt.SHEETS:
            if sheet.name in self.sheets:
                try:
                    self._check_sheet(sheet)
                except ReadError as exc:
                    self.add(sheet.name, 0, "", exc.code, **exc.params)
        finish_sessions(self)
        return self.problems

    # --- earlier imports ---

    def _preload(self) -> None:
        """Row ids of earlier imports into this office, so a workbook may refer to them."""
        mapped: dict[str, dict[int, str]] = {}
        for name in fmt.REFERENCED:
            mapped[name] = {
                object_id: external
                for external, object_id in ImportedRow.objects.filter(office=self.office, sheet=name).values_list(
                    "external_id", "object_id"
                )
            }
        clients = mapped["clients"]
        self.client_ids = {external: pk for pk, external in clients.items()}
        for sheet, ids in mapped.items():
            index = self.index[sheet]
            if sheet == "partners":
                for pk, kind in _chunked(Organisation, ids, "kind"):
                    index[ids[pk]] = kind
            elif sheet == "referrals":
                for pk, direction, status in _chunked(Referral, ids, "direction", "status"):
                    index[ids[pk]] = (direction, status)
            elif sheet == "cases":
                for pk, client_id, opened, closed in _chunked(Case, ids, "client_id", "opened_on", "closed_on"):
                    index[ids[pk]] = CaseInfo(clients.get(client_id, f"#{client_id}"), opened, closed)
            elif sheet == "trainings":
                for pk, client_id, kind, start, end in _chunked(Training, ids, "client_id", "kind", "start", "end"):
                    index[ids[pk]] = (clients.get(client_id, f"#{client_id}"), kind, start, end)
            elif sheet == "legal_cases":
                for pk, opened, ended in _chunked(LegalCase, ids, "opened_on", "ended_on"):
                    index[ids[pk]] = (opened, ended)
            elif sheet == "counseling_sessions":
                for pk, held_on, session_format in _chunked(CounselingSession, ids, "held_on", "format"):
                    index[ids[pk]] = (held_on, session_format)
            elif sheet == "activities":
                for pk, kind in _chunked(Activity, ids, "kind"):
                    index[ids[pk]] = kind
            else:
                for external in ids.values():
                    index[external] = True
        self.partner_names = {
            normal_text(name): pk
            for pk, name in Organisation.objects.filter(office=self.office).values_list("pk", "name")
        }
        self.partner_ids = {ref: pk for pk, ref in mapped["partners"].items()}
        self.usernames = set(User.objects.filter(office=self.office).values_list("username", flat=True))
        self.teams = {
            normal_text(name) for name in Team.objects.filter(office=self.office).values_list("name", flat=True)
        }
        self.hw_labels = dict(HusbandWifeGroup.objects.filter(office=self.office).values_list("label", "pk"))
        self.hw_ids = {ref: pk for pk, ref in mapped["husband_wife_groups"].items()}
        # Sessions of earlier imports were checked then: they have their attendees.
        self.earlier_sessions = set(mapped["counseling_sessions"].values())

    # --- one sheet ---

    def _check_sheet(self, sheet: fmt.Sheet) -> None:
        source_name = self.sheets[sheet.name]
        rows = iter(self.source.rows(source_name))
        first = next(rows, None)
        if first is None:
            self.add(sheet.name, 0, "", "empty_sheet")
            return
        header = read_header(sheet, first[1], self.add)
        seen: set[int] = set()
        seen_rows: dict[int, int] = {}
        own = self.rows_of.get(sheet.name)
        rule = RULES.get(sheet.name)
        names = [column.name for column in sheet.columns]
        spool = self.spool
        links = [(link.name, link.links_to, self.index[link.links_to]) for link in sheet.links]
        finish = FINISH_ROW.get(sheet.name)
        index = self.index.get(sheet.name)
        self.rows[sheet.name] = 0
        for number, cells in rows:
            values, problems = row_values(sheet, header, cells, self.today)
            if values is None:
                continue
            self.rows[sheet.name] += 1
            if self.on_row is not None:
                self.on_row(1)
            for column, code, params in problems:
                if column not in header.missing:
                    self.add(sheet.name, number, column, code, **params)
            ref = values.get(sheet.key) or ""
            if ref:
                if own is not None:
                    if ref in own:
                        self.add(sheet.name, number, sheet.key, "duplicate_id", row=own[ref])
                        continue
                    own[ref] = number
                else:
                    digest = ref_hash(ref)
                    if digest in seen:
                        self.add(sheet.name, number, sheet.key, "duplicate_id", row=seen_rows.get(digest, "?"))
                        continue
                    seen.add(digest)
                    if len(seen_rows) < 100_000:
                        seen_rows[digest] = number
            bad = {column for column, _code, _params in problems}
            for name, target_sheet, targets in links:
                target = values[name]
                if target and target not in targets:
                    self.add(sheet.name, number, name, "dangling", sheet=target_sheet)
                    values[name] = None
                    bad.add(name)
            self.current_row = number
            if rule is not None:
                for column, code, params in rule(self, values, bad):
                    self.add(sheet.name, number, column, code, **params)
            if ref and index is not None:
                index[ref] = remember(sheet.name, values)
            if finish is not None:
                finish(self, number, values)
            if spool is not None and not self.problem_count:
                spool.add(sheet.name, number, tuple([values[name] for name in names]))
        if spool is not None:
            spool.finish(sheet.name)
        done = FINISH_SHEET.get(sheet.name)
        if done is not None:
            done(self)


def _chunked(model: Any, ids: dict[int, str], *fields: str) -> Iterator[tuple[Any, ...]]:
    keys = list(ids)
    for start in range(0, len(keys), 2000):
        yield from model.objects.filter(pk__in=keys[start : start + 2000]).order_by().values_list("pk", *fields)


def remember(sheet: str, values: dict[str, Any]) -> Any:
    if sheet == "partners":
        return values.get("org_Type") or True
    if sheet == "referrals":
        return (values.get("direction") or Referral.Direction.INCOMING, values.get("status"))
    if sheet == "cases":
        if values.get("client_ref") and values.get("opened_on"):
            return CaseInfo(values["client_ref"], values["opened_on"], values.get("closed_on"))
        return None
    if sheet == "trainings":
        case = values.get("_case")
        return (case.client if case else None, values.get("kind"), values.get("start"), values.get("end"))
    if sheet == "legal_cases":
        return (values.get("opened_on"), values.get("ended_on"))
    if sheet == "counseling_sessions":
        return (values.get("held_on"), values.get("format") or SessionFormat.INDIVIDUAL)
    if sheet == "activities":
        return values.get("kind")
    return True


# --- the rules of each sheet ------------------------------------------------------------------

Rule = Callable[[Checker, dict[str, Any], set[str]], Iterable[CellProblem]]


def _case_of(checker: Checker, values: dict[str, Any]) -> CaseInfo | None:
    ref = values.get("case_ref")
    info = checker.index["cases"].get(ref) if ref else None
    values["_case"] = info if isinstance(info, CaseInfo) else None
    return values["_case"]  # type: ignore[no-any-return]


def _in_case(checker: Checker, values: dict[str, Any], column: str) -> Iterator[CellProblem]:
    case = _case_of(checker, values)
    day = values.get(column)
    if case is None or day is None:
        return
    if day < case.opened_on:
        yield column, "before_case", {"date": case.opened_on.isoformat()}
    elif case.closed_on is not None and day > case.closed_on:
        yield column, "after_case", {"date": case.closed_on.isoformat()}


def _ordered(values: dict[str, Any], start: str, end: str, code: str = "end_before_start") -> Iterator[CellProblem]:
    if values.get(start) and values.get(end) and values[end] < values[start]:
        yield end, code, {}


def rule_partners(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    name = values.get("org_Name")
    if not name:
        return
    key = normal_text(name)
    names: dict[str, int] = checker.__dict__.setdefault("_names_seen", {})
    if key in names:
        yield "org_Name", "duplicate_name", {"row": names[key]}
        return
    names[key] = checker.current_row
    existing = checker.partner_names.get(key)
    if existing is not None and existing != checker.partner_ids.get(values.get("partner_ref") or ""):
        yield "org_Name", "name_taken", {}


def rule_partnerships(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    yield from _ordered(values, "active_from", "active_to")


def rule_agreements(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    yield from _ordered(values, "start", "end")


def rule_clients(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    names = ("prs_FirstName", "prs_SecondName", "given_name_km", "family_name_km")
    if not any(values.get(name) for name in names) and not bad & set(names):
        yield "prs_FirstName", "no_name", {}
    country = values.get("prs_Citizenship")
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        yield "prs_Citizenship", "bad_country", {}


def rule_consents(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    kind = values.get("kind")
    if kind == "sharing" and not values.get("partner_ref") and "partner_ref" not in bad:
        yield "partner_ref", "sharing_needs_partner", {}
    if kind == "story" and not (values.get("pseudonym") or "").strip():
        yield "pseudonym", "story_needs_pseudonym", {}
    yield from _ordered(values, "given_on", "withdrawn_on", "withdrawn_before_given")


def rule_referrals(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    direction = values.get("direction") or Referral.Direction.INCOMING
    source = values.get("source") or ReferralSource.ORGANISATION
    if "source" not in bad:  # an added source counts as its category (wholejourney.options)
        source = resolve_option("referral_source", source)[0]
    if "cas_ReferringOrganisation" not in bad and "source" not in bad:
        if direction == Referral.Direction.OUTGOING:
            if not values.get("client_ref") and "client_ref" not in bad:
                yield "client_ref", "outgoing_needs_client", {}
            if not values.get("cas_ReferringOrganisation"):
                yield "cas_ReferringOrganisation", "outgoing_needs_client", {}
        elif source == ReferralSource.ORGANISATION and not values.get("cas_ReferringOrganisation"):
            yield "cas_ReferringOrganisation", "referral_needs_organisation", {}
    status = values.get("status")
    incoming = {Referral.Status.RECEIVED, Referral.Status.ACCEPTED, Referral.Status.DECLINED}
    outgoing = {Referral.Status.SENT, Referral.Status.ACCEPTED, Referral.Status.DECLINED, Referral.Status.COMPLETED}
    if status and (status not in (incoming if direction == Referral.Direction.INCOMING else outgoing)):
        yield "status", "status_direction", {}


def rule_cases(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    status = values.get("cas_Status") or CaseStatus.OPEN
    closed_on, reason = values.get("closed_on"), values.get("closure_reason")
    if "closed_on" not in bad and "closure_reason" not in bad and "cas_Status" not in bad:
        if status == CaseStatus.CLOSED and not (closed_on and reason):
            yield "closed_on" if not closed_on else "closure_reason", "closed_needs", {}
        elif status != CaseStatus.CLOSED and (closed_on or reason):
            yield "cas_Status", "open_has_closure", {}
    yield from _ordered(values, "opened_on", "closed_on", "closed_before_opened")
    subtype = values.get("trafficking_subtype")
    abuse_type = values.get("primary_abuse_type") if "primary_abuse_type" not in bad else None
    if subtype and abuse_type and resolve_option("abuse_type", abuse_type)[0] != AbuseType.HUMAN_TRAFFICKING:
        yield "trafficking_subtype", "subtype_only_trafficking", {}
    referral = values.get("referral_ref")
    if referral:
        info = checker.index["referrals"].get(referral)
        if isinstance(info, tuple) and info[0] != Referral.Direction.INCOMING:
            yield "referral_ref", "referral_not_incoming", {}
        used: dict[str, int] = checker.__dict__.setdefault("_referrals_used", {})
        if referral in used:
            yield "referral_ref", "referral_used_twice", {"row": used[referral]}
        used[referral] = checker.current_row
    owner = values.get("cas_CaseOwner")
    if owner and owner not in checker.usernames:
        yield "cas_CaseOwner", "unknown_user", {}
    team = values.get("team")
    if team and normal_text(team) not in checker.teams:
        yield "team", "unknown_team", {}


def finish_case_row(checker: Checker, number: int, values: dict[str, Any]) -> None:
    if values.get("client_ref") and values.get("opened_on"):
        by_client: dict[str, list[Any]] = checker.__dict__.setdefault("_cases_by_client", defaultdict(list))
        by_client[values["client_ref"]].append((values["opened_on"], values.get("closed_on"), number))


def finish_cases(checker: Checker) -> None:
    """A client has one case at a time: each opens after the one before closed."""
    by_client = checker.__dict__.pop("_cases_by_client", {})
    for cases in by_client.values():
        cases.sort()
        for (_opened, closed, row), (opened, _closed, later) in zip(cases, cases[1:], strict=False):
            if closed is None or opened <= closed:
                checker.add("cases", later, "opened_on", "cases_overlap", row=row)
    checker.__dict__.pop("_referrals_used", None)


def rule_placements(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    case = _case_of(checker, values)
    start = values.get("start")
    if case is not None and start is not None:
        if start < case.opened_on:
            yield "start", "placement_before_case", {"date": case.opened_on.isoformat()}
        elif case.closed_on is not None and start >= case.closed_on:
            yield "start", "placement_after_case", {"date": case.closed_on.isoformat()}
    if values.get("start") and values.get("end") and values["end"] <= values["start"]:
        yield "end", "placement_end", {}
    kind = values.get("kind")
    if kind == PlacementKind.FOSTER_CARE and not values.get("foster_family_ref") and "foster_family_ref" not in bad:
        yield "foster_family_ref", "needs_foster_family", {}
    if kind == PlacementKind.OTHER_SHELTER and not values.get("partner_ref") and "partner_ref" not in bad:
        yield "partner_ref", "needs_shelter_organisation", {}


def finish_placement_row(checker: Checker, number: int, values: dict[str, Any]) -> None:
    case = values.get("_case")
    if case is not None and values.get("start"):
        by_client: dict[str, list[Stay]] = checker.__dict__.setdefault("_placements", defaultdict(list))
        by_client[case.client].append(Stay(values["start"], values.get("end"), row=number, closing=case.closed_on))
        checker.__dict__.setdefault("_placement_refs", {})[number] = values["placement_ref"]


def finish_placements(checker: Checker) -> None:
    """A client's stays never overlap, the workbook's and those already recorded (stays.py)."""
    by_client: dict[str, list[Stay]] = checker.__dict__.pop("_placements", {})
    refs: dict[int, str] = checker.__dict__.pop("_placement_refs", {})
    if not by_client:
        return
    imported = stays.imported_stays(checker.office.pk)
    recorded_ids = {number: imported[ref] for number, ref in refs.items() if ref in imported}
    client_ids = {client: checker.client_ids[client] for client in by_client if client in checker.client_ids}
    recorded = stays.recorded_stays(client_ids.values())
    for client, rows in by_client.items():
        listed = stays.client_stays(rows, recorded.get(client_ids.get(client, 0), []), recorded_ids)
        _ends, overlaps = stays.settle(listed)
        for later, earlier in overlaps:
            row, column, code, params = stays.overlap_problem(later, earlier)
            checker.add("placements", row, column, code, **params)


def _dated(column: str) -> Rule:
    def rule(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
        yield from _in_case(checker, values, column)

    return rule


def rule_legal_cases(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    yield from _in_case(checker, values, "opened_on")
    yield from _ordered(values, "opened_on", "ended_on")
    if "ended_on" not in bad and "end" not in bad and bool(values.get("ended_on")) != bool(values.get("end")):
        yield "end", "legal_end_pair", {}


def rule_legal_milestones(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    info = checker.index["legal_cases"].get(values.get("legal_case_ref") or "")
    day = values.get("happened_on")
    if isinstance(info, tuple) and day is not None:
        opened, ended = info
        if opened and day < opened:
            yield "happened_on", "before_legal_case", {}
        elif ended and day > ended:
            yield "happened_on", "after_legal_case", {}
    if "outcome" not in bad:
        if values.get("kind") == LegalMilestone.Kind.VERDICT and not values.get("outcome"):
            yield "outcome", "verdict_outcome", {}
        elif values.get("kind") not in (None, LegalMilestone.Kind.VERDICT) and values.get("outcome"):
            yield "outcome", "outcome_only_verdict", {}


def rule_trainings(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    yield from _in_case(checker, values, "start")
    yield from _ordered(values, "start", "end")
    yield from _ordered(values, "start", "completed_on")
    if values.get("kind") == Training.Kind.ON_THE_JOB and "partner_ref" not in bad:
        kind = checker.index["partners"].get(values.get("partner_ref") or "")
        if kind != OrganisationKind.PRIVATE:
            yield "partner_ref", "on_the_job_business", {}


def rule_stipends(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    info = checker.index["trainings"].get(values.get("training_ref") or "")
    if isinstance(info, tuple):
        _client, kind, start, end = info
        if kind != Training.Kind.ON_THE_JOB:
            yield "training_ref", "stipend_training", {}
        day = values.get("paid_on")
        if day is not None and start is not None and (day < start or (end is not None and day > end)):
            yield "paid_on", "stipend_during", {}


def rule_employment(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    case = _case_of(checker, values)
    yield from _in_case(checker, values, "start")
    yield from _ordered(values, "start", "end")
    info = checker.index["trainings"].get(values.get("training_ref") or "")
    if isinstance(info, tuple) and case is not None:
        client, _kind, start, _end = info
        if client != case.client or (start and values.get("start") and start > values["start"]):
            yield "training_ref", "training_other_client", {}


def rule_visits(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    yield from _in_case(checker, values, "visited_on")
    if values.get("visited_on") and values.get("next_visit_on") and values["next_visit_on"] <= values["visited_on"]:
        yield "next_visit_on", "next_visit", {}


def rule_attendance(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    activity, participant = values.get("activity_ref"), values.get("participant_ref")
    if activity and participant:
        row = _pair_seen(checker, "_pairs", activity, participant)
        if row is not None:
            yield "participant_ref", "duplicate_attendance", {"row": row}


def _known_user(checker: Checker, values: dict[str, Any], column: str) -> Iterator[CellProblem]:
    usernames = values.get(column)
    for username in usernames if isinstance(usernames, list) else [usernames]:
        if username and username not in checker.usernames:
            yield column, "unknown_user", {}
            return


def _pair_seen(checker: Checker, name: str, first: Any, second: Any) -> int | None:
    """The row that already paired these two ids on this sheet, else None (and this row is remembered)."""
    pairs: dict[int, int] = checker.__dict__.setdefault(name, {})
    key = ref_hash(f"{first}\x00{second}")
    if key in pairs:
        return pairs[key]
    pairs[key] = checker.current_row
    return None


def rule_counseling_sessions(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    yield from _known_user(checker, values, "counselor")


def rule_counseling_attendance(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    session_ref = values.get("session_ref")
    info = checker.index["counseling_sessions"].get(session_ref or "")
    case = _case_of(checker, values)
    if not isinstance(info, tuple):
        return
    held_on, session_format = info
    attended: set[str] = checker.__dict__.setdefault("_attended_sessions", set())
    attended.add(session_ref or "")
    if case is not None and held_on is not None:
        if held_on < case.opened_on:
            yield "session_ref", "before_case", {"date": case.opened_on.isoformat()}
        elif case.closed_on is not None and held_on > case.closed_on:
            yield "session_ref", "after_case", {"date": case.closed_on.isoformat()}
        row = _pair_seen(checker, "_session_clients", session_ref, case.client)
        if row is not None:
            yield "case_ref", "attendee_twice", {"row": row}
            return
    if session_format == SessionFormat.INDIVIDUAL:
        row = _pair_seen(checker, "_individual_sessions", session_ref, "")
        if row is not None:
            yield "session_ref", "individual_session", {"row": row}


def finish_sessions(checker: Checker) -> None:
    """A session of this workbook needs its attendees (counseling_session_record refuses one without)."""
    attended = checker.__dict__.pop("_attended_sessions", set())
    for ref, row in checker.rows_of["counseling_sessions"].items():
        if ref not in attended and ref not in checker.earlier_sessions:
            checker.add("counseling_sessions", row, "session_ref", "session_without_attendees")


def rule_treatment_plans(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    yield from _known_user(checker, values, "counselor")
    yield from _in_case(checker, values, "started_on")
    yield from _in_case(checker, values, "spl_ActualEndDate")
    yield from _ordered(values, "started_on", "spl_ActualEndDate")
    if bad & {"status", "spl_ActualEndDate", "goals_met"}:
        return
    status = values.get("status") or TreatmentPlan.Status.ACTIVE
    if status == TreatmentPlan.Status.ACTIVE and values.get("spl_ActualEndDate"):
        yield "status", "plan_active_ended", {}
    elif status != TreatmentPlan.Status.ACTIVE and not values.get("spl_ActualEndDate"):
        yield "spl_ActualEndDate", "plan_needs_end", {}
    if values.get("goals_met") and status != TreatmentPlan.Status.COMPLETED:
        yield "goals_met", "goals_only_completed", {}


def rule_community_groups(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    participants = checker.index["participants"]
    if any(ref not in participants for ref in values.get("leaders") or []):
        yield "leaders", "dangling", {"sheet": "participants"}


def rule_group_statuses(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    yield from _ordered(values, "start", "end")


def finish_group_status_row(checker: Checker, number: int, values: dict[str, Any]) -> None:
    if values.get("group_ref") and values.get("start"):
        by_group: dict[str, list[Any]] = checker.__dict__.setdefault("_group_statuses", defaultdict(list))
        by_group[values["group_ref"]].append((values["start"], values.get("end"), number))


def finish_group_statuses(checker: Checker) -> None:
    """A group has one status at a time (community_group_set_status ends the current one)."""
    for periods in checker.__dict__.pop("_group_statuses", {}).values():
        periods.sort(key=lambda item: item[0])
        for (_start, end, row), (start, _end, later) in zip(periods, periods[1:], strict=False):
            if end is None or start <= end:
                checker.add("group_statuses", later, "start", "group_status_overlap", row=row)


def rule_group_plan_actions(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    year, planned = values.get("year"), values.get("planned_on")
    if year is not None and planned is not None and planned.year != year:
        yield "planned_on", "plan_year", {}


def rule_husband_wife_groups(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    label = values.get("label")
    if not label:
        return
    labels: dict[str, int] = checker.__dict__.setdefault("_labels_seen", {})
    if label in labels:
        yield "label", "duplicate_label", {"row": labels[label]}
        return
    labels[label] = checker.current_row
    existing = checker.hw_labels.get(label)
    if existing is not None and existing != checker.hw_ids.get(values.get("hw_group_ref") or ""):
        yield "label", "label_taken", {}


def rule_hw_group_attendance(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    activity, group = values.get("activity_ref"), values.get("hw_group_ref")
    kind = checker.index["activities"].get(activity or "")
    if activity and kind is not None and kind != ActivityKind.REFLECTION_MEETING:
        yield "activity_ref", "not_reflection_meeting", {}
    if activity and group:
        row = _pair_seen(checker, "_hw_pairs", activity, group)
        if row is not None:
            yield "hw_group_ref", "duplicate_hw_attendance", {"row": row}


REACH = ("adults_female", "adults_male", "children_female", "children_male")


def rule_campaigns(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    if not bad & set(REACH) and not any(values.get(column) for column in REACH):
        yield "adults_female", "campaign_reach", {}


def rule_external_meetings(checker: Checker, values: dict[str, Any], bad: set[str]) -> Iterator[CellProblem]:
    yield from _known_user(checker, values, "attended_by")


RULES: dict[str, Rule] = {
    "partners": rule_partners,
    "partnerships": rule_partnerships,
    "agreements": rule_agreements,
    "clients": rule_clients,
    "consents": rule_consents,
    "referrals": rule_referrals,
    "cases": rule_cases,
    "placements": rule_placements,
    "legal_services": _dated("provided_on"),
    "legal_cases": rule_legal_cases,
    "legal_milestones": rule_legal_milestones,
    "education": _dated("provided_on"),
    "economic_services": _dated("provided_on"),
    "trainings": rule_trainings,
    "stipends": rule_stipends,
    "employment": rule_employment,
    "visits": rule_visits,
    "assessments": _dated("assessed_on"),
    "crises": _dated("occurred_on"),
    "surveys": _dated("surveyed_on"),
    "attendance": rule_attendance,
    "counseling_sessions": rule_counseling_sessions,
    "counseling_attendance": rule_counseling_attendance,
    "treatment_plans": rule_treatment_plans,
    "community_groups": rule_community_groups,
    "group_statuses": rule_group_statuses,
    "group_plan_actions": rule_group_plan_actions,
    "husband_wife_groups": rule_husband_wife_groups,
    "hw_group_attendance": rule_hw_group_attendance,
    "campaigns": rule_campaigns,
    "external_meetings": rule_external_meetings,
}
FINISH_ROW: dict[str, Callable[[Checker, int, dict[str, Any]], None]] = {
    "cases": finish_case_row,
    "placements": finish_placement_row,
    "group_statuses": finish_group_status_row,
}
FINISH_SHEET: dict[str, Callable[[Checker], None]] = {
    "cases": finish_cases,
    "placements": finish_placements,
    "group_statuses": finish_group_statuses,
}


def check(
    office: Office, source: Source, *, on_row: Callable[[int], None] | None = None, spool: Spool | None = None
) -> Checker:
    """Check the whole workbook; the checker holds the problems and the row counts (and, with a
    spool, keeps the checked rows for the loader)."""
    checker = Checker(office, source, on_row=on_row, spool=spool)
    checker.run()
    return checker
