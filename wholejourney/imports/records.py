"""What each sheet's row becomes: one builder per sheet, and what happens before and after a batch
of its records is written (data keys and codes for new clients, search tokens, answers of an
assessment, links to people).

A builder returns the record as a dict of attribute names (`client_id`, `office_id`) to values,
with `_key` — the client's data key — for a record encrypted under it. The loader writes new
records in bulk (bulk.Table) and applies a changed row's record to its existing model instance.
New records are written while the next batch is prepared: a hook that queries the database first
waits for them (`loader.sync()`).
"""

from __future__ import annotations

import base64
import datetime
import os
import uuid
from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from wholejourney.care import models as care
from wholejourney.cases.models import Case, CaseStatus, ClosureReason, FosterFamily, Placement, Referral
from wholejourney.clients.matching import client_tokens
from wholejourney.clients.models import Client, ClientCodeCounter, ClientLookup, Consent, ConsentKind, Gender, Sex
from wholejourney.core.models import DataKey
from wholejourney.imports import format as fmt
from wholejourney.imports import stays
from wholejourney.imports.cells import normal_text
from wholejourney.imports.problems import Problem, ProblemFound
from wholejourney.imports.state import LoadState, Owner, Values
from wholejourney.options.selectors import resolve as resolve_option
from wholejourney.outcomes import services as outcome_services
from wholejourney.outcomes.models import Assessment, AssessmentAnswer, ClockFlag, CrisisEvent, EconomicSurvey
from wholejourney.partners.models import Agreement, Organisation, PartnershipPeriod
from wholejourney.programmes.models import (
    Activity,
    Attendance,
    Campaign,
    CommunityGroup,
    Donation,
    ExternalMeeting,
    GroupPlanAction,
    GroupStatusPeriod,
    HusbandWifeGroup,
    Participant,
    PublicEvent,
)

Record = dict[str, Any]
Builder = Callable[[LoadState, Values, Any], Record]
Hook = Callable[[LoadState, list[Record], list[Values]], None]


def _record_fields(loader: LoadState, owner: Owner | None) -> Record:
    """client, case, recorded_by and the key of a client's record."""
    assert owner is not None  # validated: the case exists  # noqa: S101
    return {
        "client_id": owner.client_id,
        "case_id": owner.case_id,
        "recorded_by_id": loader.actor.pk,
        "_key": loader.key_of(owner.client_id),
    }


# --- casework ----------------------------------------------------------------------------------


def build_partner(loader: LoadState, v: Values, existing: Any) -> Record:
    return {
        "office_id": loader.office.pk,
        "name": v["org_Name"],
        # An added kind is kept beside its reporting category (wholejourney.options).
        **dict(zip(("kind", "kind_option"), resolve_option("partner_kind", v["org_Type"]), strict=True)),
        "province": v["org_ShippingState"],
        "is_active": True if v["is_active"] is None else v["is_active"],
    }


def build_partnership(loader: LoadState, v: Values, existing: Any) -> Record:
    return {
        "organisation_id": loader.ref("partners", v["partner_ref"]),
        "active_from": v["active_from"],
        "active_to": v["active_to"],
    }


def build_agreement(loader: LoadState, v: Values, existing: Any) -> Record:
    return {
        "organisation_id": loader.ref("partners", v["partner_ref"]),
        "kind": v["kind"],
        "signed_on": v["signed_on"],
        "start": v["start"],
        "end": v["end"],
        "signatory": v["signatory"],
    }


def _registered_at(day: datetime.date | None) -> datetime.datetime:
    if day is None:
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def client_identity(v: Values) -> Record:
    dob = v["prs_Birthdate"]
    birth_year, estimated = v["birth_year"], bool(v["birth_year_estimated"])
    if dob is not None:  # the plain year follows the encrypted date (clients.services)
        birth_year, estimated = dob.year, False
    number = v["prs_IdentityNumber"]
    address = {
        part: v[column]
        for part, column in (
            ("village", "address_village"),
            ("commune", "address_commune"),
            ("district", "address_district"),
            ("province", "prs_MailingState"),
        )
        if v[column]
    }
    return {
        "given_name_latin": v["prs_FirstName"],
        "family_name_latin": v["prs_SecondName"],
        "given_name_km": v["given_name_km"],
        "family_name_km": v["family_name_km"],
        "aliases": v["aliases"],
        "date_of_birth": dob,
        "birth_year": birth_year,
        "birth_year_estimated": estimated,
        "sex": v["sex"] or Sex.UNKNOWN,
        "gender": v["prs_Gender"] or Gender.NOT_SPECIFIED,
        "citizenship": (v["prs_Citizenship"] or "").upper(),
        "primary_language": v["prs_PrimaryLanguage"],
        "secondary_language": v["prs_SecondaryLanguage"],
        "phone_numbers": v["prs_MobilePhone"],
        "id_documents": [{"kind": "id_card", "number": number}] if number else [],
        "address": address,
    }


def build_client(loader: LoadState, v: Values, existing: Any) -> Record:
    record = client_identity(v)
    if existing is None:  # an update keeps the office and the registration
        record |= {"office_id": loader.office.pk, "registered_at": _registered_at(v["registered_on"])}
    return record


def before_clients(loader: LoadState, records: list[Record], rows: list[Values]) -> None:
    """Each new client gets a data key of their own and a code (KH-2023-0042), as client_create gives."""
    office = loader.office
    for client in records:
        year = timezone.localtime(client["registered_at"]).year
        counter = loader.code_counters.get(year)
        if counter is None:  # locked until the import ends, saved then (Loader.run_all)
            loader.sync()
            counter, _created = ClientCodeCounter.objects.select_for_update().get_or_create(office=office, year=year)
            loader.code_counters[year] = counter
        counter.last_number += 1
        client["code"] = f"{office.code}-{year}-{counter.last_number:04d}"
    table = loader.table(DataKey)
    keys: list[Record] = [
        {"id": pk, "row_id": uuid.uuid4(), "wrapped_key": base64.b64encode(os.urandom(32)).decode()}
        for pk in table.allocate(len(records))
    ]
    table.insert(keys)
    for client, data_key in zip(records, keys, strict=True):
        client["data_key_id"] = data_key["id"]
        client["_key"] = (str(data_key["row_id"]), base64.b64decode(data_key["wrapped_key"]))


def after_clients(loader: LoadState, records: list[Record], rows: list[Values]) -> None:
    """The client's search tokens (blind index), as client_create writes them."""
    lookups = [
        {"client_id": client["id"], "office_id": loader.office.pk, "kind": kind, "digest": token}
        for client in records
        for kind, token in sorted(client_tokens(SimpleNamespace(**client)))  # type: ignore[arg-type]
    ]
    loader.table(ClientLookup).insert(lookups)
    for client in records:
        if "_key" in client:
            loader.keys[client["id"]] = client["_key"]
            loader.new_clients.append(client["id"])


def after_client_update(loader: LoadState, records: list[Record], rows: list[Values]) -> None:
    loader.sync()
    ClientLookup.objects.filter(client__in=[client["id"] for client in records]).delete()
    after_clients(loader, records, rows)


def build_consent(loader: LoadState, v: Values, existing: Any) -> Record:
    client_id = loader.ref("clients", v["client_ref"])
    assert client_id is not None  # validated: the client exists  # noqa: S101
    kind = v["kind"]
    return {
        "client_id": client_id,
        "kind": kind,
        "partner_id": loader.ref("partners", v["partner_ref"]) if kind == ConsentKind.SHARING else None,
        "given_on": v["given_on"],
        "how_given": v["how_given"] or "",
        "pseudonym": (v["pseudonym"] or "") if kind == ConsentKind.STORY else "",
        "guardian_name": v["guardian_name"] or "",
        "guardian_relation": v["guardian_relation"] or "",
        "note": "",
        "withdrawn_on": v["withdrawn_on"],
        "recorded_by_id": loader.actor.pk,
        "withdrawn_by_id": loader.actor.pk if v["withdrawn_on"] else None,
        "_key": loader.key_of(client_id),
    }


def build_referral(loader: LoadState, v: Values, existing: Any) -> Record:
    client_id = loader.ref("clients", v["client_ref"])
    return {
        "office_id": loader.office.pk,
        "direction": v["direction"] or Referral.Direction.INCOMING,
        # An added source or abuse type is kept beside its category (wholejourney.options).
        **dict(
            zip(
                ("source", "source_option"),
                resolve_option("referral_source", v["source"] or "organisation"),
                strict=True,
            )
        ),
        "organisation_id": loader.ref("partners", v["cas_ReferringOrganisation"]),
        "referred_on": v["cas_IncomingReferralDate"],
        "urgency": v["urgency"] or "normal",
        "reason": v["cas_IncomingReferralDetails"],
        "person": {"name": v["person_name"]} if v["person_name"] else {},
        "status": v["status"],
        "decision_note": v["decision_note"],
        "service_asked": v["service_asked"] or "",
        "outcome": v["outcome"] or "",
        "outcome_note": v["outcome_note"],
        "client_id": client_id,
        "submitted_by_id": loader.actor.pk,
        # Before it names a client, a referral is under the master key (Referral.encryption_data_key).
        "_key": loader.key_of(client_id) if client_id else None,
    }


def build_case(loader: LoadState, v: Values, existing: Any) -> Record:
    client_id = loader.ids["clients"][v["client_ref"]]
    status = v["cas_Status"] or CaseStatus.OPEN
    return {
        "office_id": loader.office.pk,
        "client_id": client_id,
        "_key": loader.key_of(client_id),
        "team_id": loader.teams.get(normal_text(v["team"])) if v["team"] else None,
        "case_manager_id": loader.users.get(v["cas_CaseOwner"]) if v["cas_CaseOwner"] else None,
        "opened_on": v["opened_on"],
        "referral_id": loader.ref("referrals", v["referral_ref"]),
        **dict(
            zip(
                ("primary_abuse_type", "primary_abuse_type_option"),
                resolve_option("abuse_type", v["primary_abuse_type"]),
                strict=True,
            )
        ),
        "trafficking_subtype": v["trafficking_subtype"],
        "exploitation_types": v["vic_TypeOfExploitation"],
        "control_methods": v["vic_MethodsOfControl"],
        "recruitment": v["vic_MethodOfRecruitment"],
        "countries": [code.upper() for code in v["countries"]],
        "summary": v["summary"],
        "status": status,
        "closed_on": v["closed_on"] if status == CaseStatus.CLOSED else None,
        "closure_reason": v["closure_reason"] if status == CaseStatus.CLOSED else "",
    }


def after_cases(loader: LoadState, records: list[Record], rows: list[Values]) -> None:
    """The client joins the caseload of their latest case (as case_open does): one UPDATE per
    team and case manager, not one per client."""
    latest: dict[int, Record] = {}
    for case in records:
        current = latest.get(case["client_id"])
        if current is None or case["opened_on"] > current["opened_on"]:
            latest[case["client_id"]] = case
    caseloads: dict[tuple[int | None, int | None], list[int]] = defaultdict(list)
    for client_id, case in latest.items():
        if case["team_id"] or case["case_manager_id"]:
            caseloads[(case["team_id"], case["case_manager_id"])].append(client_id)
    if caseloads:
        loader.sync()
    for (team_id, manager_id), clients in caseloads.items():
        Client.objects.filter(pk__in=clients).update(team_id=team_id, case_manager_id=manager_id)


def after_case_update(loader: LoadState, records: list[Record], rows: list[Values]) -> None:
    """A case the workbook closes ends the client's open stays of the case on its closing day, as
    approving a closure in the app ends them; a stay starting on or after that day is a problem on
    the case's closed_on, as the approval refuses it."""
    after_cases(loader, records, rows)
    closing = {case["id"]: (case["closed_on"], values["_number"]) for case, values in zip(records, rows, strict=True)}
    closing = {pk: closed for pk, closed in closing.items() if closed[0] is not None}
    if not closing:
        return
    loader.sync()
    ends: dict[int, datetime.date] = {}
    open_stays = Placement.objects.filter(case_id__in=list(closing), end__isnull=True)
    for pk, case_id, start in open_stays.values_list("pk", "case_id", "start"):
        closed_on, number = closing[case_id]
        if start >= closed_on:
            raise ProblemFound(Problem("cases", number, "closed_on", "stay_after_closing"))
        ends[pk] = closed_on
    stays.end_stays(loader, ends)


def build_foster_family(loader: LoadState, v: Values, existing: Any) -> Record:
    return {"office_id": loader.office.pk, "name": v["name"], "phone": v["phone"], "approved_on": v["approved_on"]}


def build_placement(loader: LoadState, v: Values, existing: Any) -> Record:
    owner = loader.owners["cases"][v["case_ref"]]
    kind, kind_option = resolve_option("placement_kind", v["kind"])  # an added kind: its category
    return {
        "client_id": owner.client_id,
        "case_id": owner.case_id,
        "kind": kind,
        "kind_option": kind_option,
        "start": v["start"],
        "end": loader.placement_ends.get(v["placement_ref"], v["end"]),
        "foster_family_id": loader.ref("foster_families", v["foster_family_ref"]) if kind == "foster_care" else None,
        "organisation_id": loader.ref("partners", v["partner_ref"]) if kind == "other_shelter" else None,
    }


# --- care --------------------------------------------------------------------------------------


def _client_record(**columns: str) -> Builder:
    """A record of a client's case whose fields are the row's columns (field name = column name)."""

    def build(loader: LoadState, v: Values, existing: Any) -> Record:
        record = _record_fields(loader, loader.owners["cases"][v["case_ref"]])
        for name, column in columns.items():
            record[name] = v[column]
        return record

    return build


def _with_option_kind(list_id: str, build: Builder) -> Builder:
    """A record whose kind may be one administrators added: kept beside its reporting category."""

    def with_option(loader: LoadState, v: Values, existing: Any) -> Record:
        record = build(loader, v, existing)
        record["kind"], record["kind_option"] = resolve_option(list_id, record["kind"])
        return record

    return with_option


def build_legal_milestone(loader: LoadState, v: Values, existing: Any) -> Record:
    owner = loader.owners["legal_cases"][v["legal_case_ref"]]
    return {
        "legal_case_id": loader.ids["legal_cases"][v["legal_case_ref"]],
        "_key": loader.key_of(owner.client_id),
        "kind": v["kind"],
        "happened_on": v["happened_on"],
        "outcome": v["outcome"] if v["kind"] == care.LegalMilestone.Kind.VERDICT else "",
        "note": v["note"],
    }


def build_training(loader: LoadState, v: Values, existing: Any) -> Record:
    return _record_fields(loader, loader.owners["cases"][v["case_ref"]]) | {
        "kind": v["kind"],
        "organisation_id": loader.ref("partners", v["partner_ref"]),
        "trade": v["trade"],
        "start": v["start"],
        "end": v["end"],
        "completed_on": v["completed_on"],
    }


def build_stipend(loader: LoadState, v: Values, existing: Any) -> Record:
    return _record_fields(loader, loader.owners["trainings"][v["training_ref"]]) | {
        "training_id": loader.ids["trainings"][v["training_ref"]],
        "paid_on": v["paid_on"],
        "amount": v["amount"],
        "amount_usd": v["amount_usd"],
    }


def build_employment(loader: LoadState, v: Values, existing: Any) -> Record:
    return _record_fields(loader, loader.owners["cases"][v["case_ref"]]) | {
        "employer_id": loader.ref("partners", v["partner_ref"]),
        "employer_name": v["employer_name"],
        "work": v["work"],
        "start": v["start"],
        "end": v["end"],
        "after_training_id": loader.ref("trainings", v["training_ref"]),
    }


def build_counseling_session(loader: LoadState, v: Values, existing: Any) -> Record:
    return {
        "office_id": loader.office.pk,
        "held_on": v["held_on"],
        "format": v["format"] or care.SessionFormat.INDIVIDUAL,
        "modality": v["modality"] or care.Modality.TF_CBT,
        "duration_minutes": v["duration_minutes"] or 60,
        "counselor_id": loader.user_id(v["counselor"]),
        "group_note": v["group_note"],
    }


def build_session_attendance(loader: LoadState, v: Values, existing: Any) -> Record:
    return _record_fields(loader, loader.owners["cases"][v["case_ref"]]) | {
        "session_id": loader.ids["counseling_sessions"][v["session_ref"]],
        "note": v["note"],
    }


def build_treatment_plan(loader: LoadState, v: Values, existing: Any) -> Record:
    status = v["status"] or care.TreatmentPlan.Status.ACTIVE
    return _record_fields(loader, loader.owners["cases"][v["case_ref"]]) | {
        "counselor_id": loader.user_id(v["counselor"]),
        "started_on": v["started_on"],
        "components": v["components"],
        "components_done": v["components_done"],
        "status": status,
        "ended_on": v["spl_ActualEndDate"] if status != care.TreatmentPlan.Status.ACTIVE else None,
        "goals_met": bool(v["goals_met"]) and status == care.TreatmentPlan.Status.COMPLETED,
        "note": v["note"],
    }


# --- outcomes ----------------------------------------------------------------------------------


def prepare_assessments(loader: LoadState, sheet: fmt.Sheet) -> None:
    """The first assessment of a case is its baseline: find each case's first day."""
    loader.instrument = outcome_services.current_instrument()
    loader.items = {item.code: item for item in loader.instrument.items.all()}
    first: dict[int, datetime.date] = {}
    for values in loader.rows(sheet):
        case_id = loader.owners["cases"][values["case_ref"]].case_id or 0
        if case_id not in first or values["assessed_on"] < first[case_id]:
            first[case_id] = values["assessed_on"]
    loader.first_assessment = first


def build_assessment(loader: LoadState, v: Values, existing: Any) -> Record:
    owner = loader.owners["cases"][v["case_ref"]]
    scores: dict[str, Decimal] = {}
    for domain in care.Domain.values:
        answers = [v[f"q_{code}"] for code, item in loader.items.items() if item.domain == domain]
        scores[f"{domain}_score"] = (Decimal(sum(answers)) / len(answers)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    first = loader.first_assessment.get(owner.case_id or 0)
    loader.clock_clients.add(owner.client_id)
    return _record_fields(loader, owner) | {
        "instrument_id": loader.instrument.pk,
        "kind": Assessment.Kind.BASELINE if first == v["assessed_on"] else Assessment.Kind.REASSESSMENT,
        "assessed_on": v["assessed_on"],
        "note": v["note"],
        **scores,
    }


def after_assessments(loader: LoadState, records: list[Record], rows: list[Values]) -> None:
    """The answers of new assessments."""
    answers = [
        {"assessment_id": record["id"], "item_id": item.pk, "score": values[f"q_{code}"]}
        for record, values in zip(records, rows, strict=True)
        for code, item in loader.items.items()
    ]
    loader.table(AssessmentAnswer).insert(answers)


def after_assessment_update(loader: LoadState, records: list[Record], rows: list[Values]) -> None:
    """A changed assessment's answers are those of its row."""
    loader.sync()
    AssessmentAnswer.objects.filter(assessment__in=[record["id"] for record in records]).delete()
    after_assessments(loader, records, rows)


def build_crisis(loader: LoadState, v: Values, existing: Any) -> Record:
    owner = loader.owners["cases"][v["case_ref"]]
    loader.clock_clients.add(owner.client_id)
    return _record_fields(loader, owner) | {
        "occurred_on": v["occurred_on"],
        "domains": v["domains"],
        "severity": v["severity"],
        "what_happened": v["what_happened"],
        "response": v["response"],
    }


def after_crises(loader: LoadState, records: list[Record], rows: list[Values]) -> None:
    """A crisis dated on or before a closure as whole is flagged for the supervisor (crisis_record)."""
    loader.sync()
    closures: dict[int, list[datetime.date]] = defaultdict(list)
    for client_id, closed_on in Case.objects.filter(
        client_id__in={record["client_id"] for record in records},
        status=CaseStatus.CLOSED,
        closure_reason=ClosureReason.GOALS_ACHIEVED,
    ).values_list("client_id", "closed_on"):
        if closed_on is not None:
            closures[client_id].append(closed_on)
    flagged = set(
        ClockFlag.objects.filter(crisis__in=[record["id"] for record in records]).values_list("crisis_id", flat=True)
    )
    ClockFlag.objects.bulk_create(
        [
            ClockFlag(client_id=record["client_id"], crisis_id=record["id"], reason="crisis_before_closure_as_whole")
            for record in records
            if record["id"] not in flagged
            and any(day >= record["occurred_on"] for day in closures[record["client_id"]])
        ]
    )


# --- programmes --------------------------------------------------------------------------------


def _office_record(*columns: str, **computed: Callable[[LoadState, Values], Any]) -> Builder:
    """An office's record whose fields are the row's columns of the same name, and those computed from
    the row (references to other sheets, defaults)."""

    def build(loader: LoadState, v: Values, existing: Any) -> Record:
        record: Record = {"office_id": loader.office.pk}
        record.update((column, v[column]) for column in columns)
        record.update((name, value(loader, v)) for name, value in computed.items())
        return record

    return build


def _partner_of(column: str) -> Callable[[LoadState, Values], Any]:
    return lambda loader, v: loader.ref("partners", v[column])


def _zero_if_blank(column: str) -> Callable[[LoadState, Values], Any]:
    return lambda loader, v: v[column] or 0


def build_attendance(loader: LoadState, v: Values, existing: Any) -> Record:
    return {
        "activity_id": loader.ids["activities"][v["activity_ref"]],
        "participant_id": loader.ids["participants"][v["participant_ref"]],
        "pre_test": v["pre_test"],
        "post_test": v["post_test"],
    }


def set_many(model: type[models.Model], relation: str, column: str, target: Callable[[LoadState, str], int]) -> Hook:
    """The people linked to each record (a group's leaders, a meeting's staff) become those of the row."""
    field: Any = model._meta.get_field(relation)
    through = field.remote_field.through
    source, other = field.m2m_field_name(), field.m2m_reverse_field_name()

    def after(loader: LoadState, records: list[Record], rows: list[Values]) -> None:
        loader.sync()
        through.objects.filter(**{f"{source}__in": [record["id"] for record in records]}).delete()
        through.objects.bulk_create(
            [
                through(**{f"{source}_id": record["id"], f"{other}_id": target(loader, ref)})
                for record, values in zip(records, rows, strict=True)
                for ref in dict.fromkeys(values[column])
            ]
        )

    return after


def build_group_status(loader: LoadState, v: Values, existing: Any) -> Record:
    return {
        "group_id": loader.ids["community_groups"][v["group_ref"]],
        "status": v["status"],
        "start": v["start"],
        "end": v["end"],
    }


def build_plan_action(loader: LoadState, v: Values, existing: Any) -> Record:
    return {
        "group_id": loader.ids["community_groups"][v["group_ref"]],
        "year": v["year"] or v["planned_on"].year,
        "topic": v["topic"],
        "planned_on": v["planned_on"],
        "completed_on": v["completed_on"],
    }


HwAttendance: Any = Activity.hw_groups.through


def build_hw_attendance(loader: LoadState, v: Values, existing: Any) -> Record:
    return {
        "activity_id": loader.ids["activities"][v["activity_ref"]],
        "husbandwifegroup_id": loader.ids["husband_wife_groups"][v["hw_group_ref"]],
    }


# --- the registries the loader reads -----------------------------------------------------------


# A sheet whose records the office may already hold under the same natural key (an attendance upload
# with the same reference, a client already at that session): the row takes the record over.
ADOPT: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "participants": (Participant, ("external_ref",)),
    "activities": (Activity, ("external_ref",)),
    "attendance": (Attendance, ("activity_id", "participant_id")),
    "counseling_attendance": (care.SessionAttendance, ("session_id", "client_id")),
    "hw_group_attendance": (HwAttendance, ("activity_id", "husbandwifegroup_id")),
}


def adopted(loader: LoadState, sheet: str, records: list[Record]) -> list[int | None]:
    """For each record, the primary key of the office's record with the same natural key, if any."""
    if sheet not in ADOPT:
        return [None] * len(records)
    loader.sync()
    model, keys = ADOPT[sheet]
    wanted = {tuple(record[key] for key in keys) for record in records}
    query = Q(**{f"{keys[0]}__in": {key[0] for key in wanted}})
    if any(field.name == "office" for field in model._meta.fields):
        query &= Q(office=loader.office)
    found = {tuple(row[1:]): row[0] for row in model._default_manager.filter(query).values_list("pk", *keys)}
    return [found.get(tuple(record[key] for key in keys)) for record in records]


MODELS: dict[str, Any] = {
    "partners": Organisation,
    "partnerships": PartnershipPeriod,
    "agreements": Agreement,
    "clients": Client,
    "consents": Consent,
    "referrals": Referral,
    "cases": Case,
    "foster_families": FosterFamily,
    "placements": Placement,
    "legal_services": care.LegalService,
    "legal_cases": care.LegalCase,
    "legal_milestones": care.LegalMilestone,
    "education": care.EducationSupport,
    "economic_services": care.EconomicService,
    "trainings": care.Training,
    "stipends": care.Stipend,
    "employment": care.Employment,
    "visits": care.Visit,
    "counseling_sessions": care.CounselingSession,
    "counseling_attendance": care.SessionAttendance,
    "treatment_plans": care.TreatmentPlan,
    "assessments": Assessment,
    "crises": CrisisEvent,
    "surveys": EconomicSurvey,
    "participants": Participant,
    "activities": Activity,
    "attendance": Attendance,
    "community_groups": CommunityGroup,
    "group_statuses": GroupStatusPeriod,
    "group_plan_actions": GroupPlanAction,
    "husband_wife_groups": HusbandWifeGroup,
    "hw_group_attendance": HwAttendance,
    "campaigns": Campaign,
    "external_meetings": ExternalMeeting,
    "donations": Donation,
    "public_events": PublicEvent,
}
BUILDERS: dict[str, Builder] = {
    "partners": build_partner,
    "partnerships": build_partnership,
    "agreements": build_agreement,
    "clients": build_client,
    "consents": build_consent,
    "referrals": build_referral,
    "cases": build_case,
    "foster_families": build_foster_family,
    "placements": build_placement,
    "legal_services": _with_option_kind(
        "legal_service_kind", _client_record(kind="kind", provided_on="provided_on", note="note")
    ),
    "legal_cases": _client_record(
        kind="kind",
        court="court",
        case_number="case_number",
        accused_role="accused_role",
        accused_name="accused_name",
        opened_on="opened_on",
        ended_on="ended_on",
        end="end",
    ),
    "legal_milestones": build_legal_milestone,
    "education": _client_record(
        level="level", kind="kind", provided_on="provided_on", school_year="school_year", outcome="outcome"
    ),
    "economic_services": _with_option_kind(
        "economic_service_kind",
        _client_record(kind="kind", provided_on="provided_on", amount="amount", amount_usd="amount_usd", note="note"),
    ),
    "trainings": build_training,
    "stipends": build_stipend,
    "employment": build_employment,
    "visits": _client_record(mode="mode", visited_on="visited_on", next_visit_on="next_visit_on", note="note"),
    "counseling_sessions": build_counseling_session,
    "counseling_attendance": build_session_attendance,
    "treatment_plans": build_treatment_plan,
    "assessments": build_assessment,
    "crises": build_crisis,
    "surveys": _client_record(
        surveyed_on="surveyed_on", income_increased="income_increased", income_covers_needs="income_covers_needs"
    ),
    "participants": _office_record(
        "name",
        "phone",
        "age_band",
        "province",
        "commune",
        "village",
        "group",
        sex=lambda loader, v: v["sex"] or Sex.UNKNOWN,
        organisation_id=_partner_of("partner_ref"),
        external_ref=lambda loader, v: v["participant_ref"],
    ),
    "activities": _office_record("kind", "topic", "held_on", "place", external_ref=lambda loader, v: v["activity_ref"]),
    "attendance": build_attendance,
    "community_groups": _office_record("name", "province", "district", "commune", "village"),
    "group_statuses": build_group_status,
    "group_plan_actions": build_plan_action,
    "husband_wife_groups": _office_record("label", "village"),
    "hw_group_attendance": build_hw_attendance,
    "campaigns": _office_record(
        "kind",
        "topics",
        "held_on",
        "place",
        **{
            column: _zero_if_blank(column)
            for column in ("adults_female", "adults_male", "children_female", "children_male")
        },
    ),
    "external_meetings": _office_record("kind", "held_on", "notes"),
    "donations": _office_record("item", "description", "copies", "donated_on", recipient_id=_partner_of("partner_ref")),
    "public_events": _office_record("kind", "name", "held_on", "reported_attendance"),
}
PREPARE: dict[str, Callable[[LoadState, fmt.Sheet], None]] = {
    "placements": stays.prepare_placements,
    "assessments": prepare_assessments,
}
BEFORE_CREATE: dict[str, Hook] = {"clients": before_clients}
# Sheets whose new records a rule only the database sees whole may refuse (a colleague's stay
# recorded meanwhile): each batch is written on its own, and if refused, this says which row and why.
REFUSED: dict[str, Callable[[LoadState, fmt.Sheet, list[Values]], Problem | None]] = {
    "placements": stays.refused_placements
}
_LEADERS = set_many(CommunityGroup, "leaders", "leaders", lambda loader, ref: loader.ids["participants"][ref])
_ATTENDED_BY = set_many(ExternalMeeting, "attended_by", "attended_by", lambda loader, name: loader.users[name])
AFTER_CREATE: dict[str, Hook] = {
    "clients": after_clients,
    "cases": after_cases,
    "assessments": after_assessments,
    "crises": after_crises,
    "community_groups": _LEADERS,
    "external_meetings": _ATTENDED_BY,
}
AFTER_UPDATE: dict[str, Hook] = {
    "clients": after_client_update,
    "cases": after_case_update,
    "assessments": after_assessment_update,
    "community_groups": _LEADERS,
    "external_meetings": _ATTENDED_BY,
}
