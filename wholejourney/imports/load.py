"""Writing a checked workbook: everything in one transaction, or nothing.

Why in bulk, not through the services row by row: a national programme's history is 100,000 clients
and a million service rows. Through the services that is a million transactions, a million audit
rows and a clock refresh per assessment — hours. Here each sheet is streamed again in batches of
BATCH rows and written with one INSERT per model and batch, inside a single transaction. The rules
are the services' rules, checked first for the whole workbook (validate.py); the import writes one
audit event with the counts. The services also check the actor's role (a case manager's caseload);
an import is an administrator's act, checked once with IMPORT_DATA on the office (tasks.py).

Each row's record is remembered in ImportedRow with a keyed hash of its values: a row imported
again unchanged is skipped, a changed row updates its record, a new row adds one. Identifying
values are encrypted by the model fields as the rows are inserted (under the client's own data
key where the record is a client's); nothing is staged in a temporary table or written to a log.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from wholejourney.accounts.models import Team, User
from wholejourney.audit.models import AuditEvent
from wholejourney.audit.services import audit_record
from wholejourney.care import models as care
from wholejourney.cases.models import Case, CaseStatus, ClosureReason, FosterFamily, Placement, Referral
from wholejourney.clients.models import Client, ClientCodeCounter, ClientLookup, Gender, Sex
from wholejourney.clients.services import _lookup_tokens
from wholejourney.core.fields import reseal
from wholejourney.core.models import DataKey, Office
from wholejourney.imports import format as fmt
from wholejourney.imports.models import ImportedRow, ImportRun
from wholejourney.imports.reader import Source, known_sheets
from wholejourney.imports.validate import _normal, placement_ends, read_header, row_values
from wholejourney.outcomes import services as outcome_services
from wholejourney.outcomes.models import (
    Assessment,
    AssessmentAnswer,
    ClockFlag,
    CrisisEvent,
    EconomicSurvey,
)
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

BATCH = 2000


def checkpoint(done: int, total: int) -> None:
    """Called after each batch written. Does nothing; tests replace it to stop an import half way."""


def digest(values: dict[str, Any]) -> str:
    """A keyed hash of a row's values: equal for the same row, and no help in guessing a value."""
    payload = json.dumps(
        {key: value for key, value in values.items() if not key.startswith("_")},
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return salted_hmac("wholejourney.imports.row", payload).hexdigest()


@dataclass
class Counts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_json(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class Owner:
    """The client (and case) a record belongs to, enough to encrypt under the client's key."""

    client_id: int
    case_id: int | None = None


@dataclass
class Loader:
    office: Office
    source: Source
    actor: User
    run: ImportRun
    total: int
    on_progress: Callable[[int, int], None] | None = None
    done: int = 0
    counts: dict[str, Counts] = field(default_factory=dict)
    # Row id → record id, for the sheets other sheets refer to.
    ids: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    # Row id → owner, for cases, legal cases and trainings (records below them are the client's).
    owners: dict[str, dict[str, Owner]] = field(default_factory=lambda: defaultdict(dict))
    # Client id → (data key id, row id, key): a client's key, to encrypt their records.
    keys: dict[int, tuple[int, str, str]] = field(default_factory=dict)
    clock_clients: set[int] = field(default_factory=set)
    teams: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    placement_ends: dict[str, datetime.date | None] = field(default_factory=dict)
    first_assessment: dict[int, datetime.date] = field(default_factory=dict)
    instrument: Any = None
    items: dict[str, Any] = field(default_factory=dict)

    # --- the whole workbook ---

    def run_all(self) -> dict[str, dict[str, int]]:
        sheets = known_sheets(self.source)
        self._preload()
        for sheet in fmt.SHEETS:
            if sheet.name in sheets:
                self.counts[sheet.name] = Counts()
                self._load_sheet(sheet, sheets[sheet.name])
        self._refresh_clocks()
        return {name: counts.as_json() for name, counts in self.counts.items()}

    def _preload(self) -> None:
        for sheet in fmt.REFERENCED:
            rows = ImportedRow.objects.filter(office=self.office, sheet=sheet).values_list("external_id", "object_id")
            self.ids[sheet] = dict(rows)
        for sheet, model in (("cases", Case), ("trainings", care.Training), ("legal_cases", care.LegalCase)):
            refs = {pk: ref for ref, pk in self.ids[sheet].items()}
            keys = list(refs)
            case_column = "pk" if model is Case else "case_id"
            for start in range(0, len(keys), BATCH):
                chunk = model.objects.filter(pk__in=keys[start : start + BATCH]).order_by()
                for pk, client_id, case_id in chunk.values_list("pk", "client_id", case_column):
                    self.owners[sheet][refs[pk]] = Owner(client_id, case_id)
        self.teams = {_normal(team.name): team.pk for team in Team.objects.filter(office=self.office)}
        self.users = dict(User.objects.filter(office=self.office).values_list("username", "pk"))

    def _rows(self, sheet: fmt.Sheet, source_name: str) -> Iterator[dict[str, Any]]:
        rows = iter(self.source.rows(source_name))
        first = next(rows, None)
        if first is None:
            return
        header = read_header(sheet, first[1], lambda *args, **kwargs: None)
        today = timezone.localdate()
        for _number, cells in rows:
            values, _problems = row_values(sheet, header, cells, today)
            if values is not None:
                yield values

    def _batches(self, sheet: fmt.Sheet, source_name: str) -> Iterator[list[dict[str, Any]]]:
        batch: list[dict[str, Any]] = []
        for values in self._rows(sheet, source_name):
            batch.append(values)
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def _load_sheet(self, sheet: fmt.Sheet, source_name: str) -> None:
        prepare = PREPARE.get(sheet.name)
        if prepare is not None:
            prepare(self, sheet, source_name)
        build = BUILDERS[sheet.name]
        model = MODELS[sheet.name]
        # Not get_for_model: its cache would outlive a rolled-back import that created the row (a
        # many-to-many link table has no content type until one is needed).
        meta = model._meta
        content_type, _created = ContentType.objects.get_or_create(app_label=meta.app_label, model=meta.model_name)
        counts = self.counts[sheet.name]
        for batch in self._batches(sheet, source_name):
            refs = [values[sheet.key] for values in batch]
            known = {
                ref: (object_id, row_digest)
                for ref, object_id, row_digest in ImportedRow.objects.filter(
                    office=self.office, sheet=sheet.name, external_id__in=refs
                ).values_list("external_id", "object_id", "digest")
            }
            self._load_keys(sheet, batch)
            new_rows: list[dict[str, Any]] = []
            new_objects: list[models.Model] = []
            changed: list[tuple[dict[str, Any], int]] = []
            for values in batch:
                values["_digest"] = digest(values)
                ref = values[sheet.key]
                if ref in known:
                    object_id, old = known[ref]
                    self._remember(sheet, ref, object_id, values)
                    if old == values["_digest"]:
                        counts.unchanged += 1
                    else:
                        changed.append((values, object_id))
                else:
                    new_rows.append(values)
                    new_objects.append(build(self, values, None))
            if new_objects:
                BEFORE_CREATE.get(sheet.name, _nothing)(self, new_objects, new_rows)
                model.objects.bulk_create([obj for obj in new_objects if obj.pk is None], batch_size=BATCH)
                for obj in new_objects:
                    if getattr(obj, "_adopted", False):
                        obj.save(force_update=True)
                AFTER_CREATE.get(sheet.name, _nothing)(self, new_objects, new_rows)
                ImportedRow.objects.bulk_create(
                    [
                        ImportedRow(
                            office=self.office,
                            sheet=sheet.name,
                            external_id=values[sheet.key],
                            content_type=content_type,
                            object_id=obj.pk,
                            digest=values["_digest"],
                        )
                        for values, obj in zip(new_rows, new_objects, strict=True)
                    ],
                    batch_size=BATCH,
                )
                for values, obj in zip(new_rows, new_objects, strict=True):
                    self._remember(sheet, values[sheet.key], obj.pk, values)
                counts.created += len(new_objects)
            if changed:
                self._update(sheet, model, build, changed)
                counts.updated += len(changed)
            counts.rows += len(batch)
            self.done += len(batch)
            if self.on_progress is not None:
                self.on_progress(self.done, self.total)
            checkpoint(self.done, self.total)

    def _update(self, sheet: fmt.Sheet, model: Any, build: Any, changed: list[tuple[dict[str, Any], int]]) -> None:
        """A changed row: its record takes the new values (saved one by one: updates are few)."""
        objects = model.objects.in_bulk([object_id for _values, object_id in changed])
        for values, object_id in changed:
            obj = objects.get(object_id)
            if obj is None:  # removed in the app since: add it again
                obj = build(self, values, None)
                BEFORE_CREATE.get(sheet.name, _nothing)(self, [obj], [values])
                obj.save()
                AFTER_CREATE.get(sheet.name, _nothing)(self, [obj], [values])
            else:
                build(self, values, obj)
                obj.full_clean(validate_unique=False, validate_constraints=False)
                obj.save()
                AFTER_UPDATE.get(sheet.name, _nothing)(self, [obj], [values])
            ImportedRow.objects.filter(office=self.office, sheet=sheet.name, external_id=values[sheet.key]).update(
                object_id=obj.pk, digest=values["_digest"]
            )
            self._remember(sheet, values[sheet.key], obj.pk, values)

    def _remember(self, sheet: fmt.Sheet, ref: str, object_id: int, values: dict[str, Any]) -> None:
        if sheet.name in fmt.REFERENCED:
            self.ids[sheet.name][ref] = object_id
        if sheet.name == "cases":
            self.owners["cases"][ref] = Owner(self.ids["clients"][values["client_ref"]], object_id)
        elif sheet.name in ("trainings", "legal_cases"):
            case = self.owners["cases"][values["case_ref"]]
            self.owners[sheet.name][ref] = Owner(case.client_id, case.case_id)

    # --- encryption under the client's key ---

    def _load_keys(self, sheet: fmt.Sheet, batch: list[dict[str, Any]]) -> None:
        needed = {owner.client_id for owner in (self.owner_of(sheet, values) for values in batch) if owner} - set(
            self.keys
        )
        if not needed:
            return
        if len(self.keys) > 200_000:
            self.keys.clear()  # a bound on memory; keys are read again when needed
        for client in Client.objects.filter(pk__in=needed).select_related("data_key"):
            data_key = client.data_key
            self.keys[client.pk] = (data_key.pk, str(data_key.row_id), data_key.wrapped_key or "")

    def owner_of(self, sheet: fmt.Sheet, values: dict[str, Any]) -> Owner | None:
        if sheet.name == "cases":
            return Owner(self.ids["clients"][values["client_ref"]])
        if "case_ref" in sheet.by_name and values.get("case_ref"):
            return self.owners["cases"].get(values["case_ref"])
        if sheet.name == "referrals" and values.get("client_ref"):
            return Owner(self.ids["clients"][values["client_ref"]])
        if sheet.name == "legal_milestones":
            return self.owners["legal_cases"].get(values["legal_case_ref"])
        if sheet.name == "stipends":
            return self.owners["trainings"].get(values["training_ref"])
        return None

    def client_shell(self, client_id: int) -> Client:
        """A client with just enough to encrypt under their key (no query)."""
        key_pk, row_id, wrapped = self.keys[client_id]
        data_key = DataKey(pk=key_pk, row_id=row_id)
        data_key.wrapped_key = wrapped
        return Client(pk=client_id, office_id=self.office.pk, data_key=data_key)

    def ref(self, sheet: str, ref: str | None) -> int | None:
        return self.ids[sheet][ref] if ref else None

    def _refresh_clocks(self) -> None:
        """Each client whose assessments or crises came in gets their clock computed once, as
        `wholejourney clock rebuild` computes it (one source for the fields and the rules)."""
        if not self.clock_clients:
            return
        ids = sorted(self.clock_clients)
        instruments = {instrument.pk: instrument for instrument in outcome_services.Instrument.objects.all()}
        for start in range(0, len(ids), 1000):
            clients = list(Client.objects.filter(pk__in=ids[start : start + 1000]).select_related("data_key"))
            outcome_services.clock_states_write(clients, instruments=instruments)

    def user_id(self, username: str) -> int:
        """The account named in a row (checked to exist), else the importer's."""
        return self.users[username] if username else self.actor.pk


def _nothing(loader: Loader, objects: list[Any], rows: list[dict[str, Any]]) -> None:
    return None


def _set(obj: models.Model, fields: dict[str, Any]) -> models.Model:
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


def _make(model: Any, existing: Any, fields: dict[str, Any]) -> Any:
    return _set(existing, fields) if existing is not None else model(**fields)


def _record_fields(loader: Loader, values: dict[str, Any], owner: Owner | None) -> dict[str, Any]:
    """client, case and recorded_by of a client's record."""
    assert owner is not None  # validated: the case exists  # noqa: S101
    return {"client": loader.client_shell(owner.client_id), "case_id": owner.case_id, "recorded_by": loader.actor}


# --- one builder per sheet: the record's fields from the row ------------------------------------


def build_partner(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "office": loader.office,
        "name": v["org_Name"],
        "kind": v["org_Type"],
        "province": v["org_ShippingState"],
        "is_active": True if v["is_active"] is None else v["is_active"],
    }
    return _make(Organisation, existing, fields)


def build_partnership(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "organisation_id": loader.ref("partners", v["partner_ref"]),
        "active_from": v["active_from"],
        "active_to": v["active_to"],
    }
    return _make(PartnershipPeriod, existing, fields)


def build_agreement(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "organisation_id": loader.ref("partners", v["partner_ref"]),
        "kind": v["kind"],
        "signed_on": v["signed_on"],
        "start": v["start"],
        "end": v["end"],
        "signatory": v["signatory"],
    }
    return _make(Agreement, existing, fields)


def _registered_at(day: datetime.date | None) -> datetime.datetime:
    if day is None:
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def client_identity(v: dict[str, Any]) -> dict[str, Any]:
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


def build_client(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = client_identity(v)
    if existing is None:
        fields |= {"office": loader.office, "registered_at": _registered_at(v["registered_on"])}
        return Client(**fields)
    return _set(existing, fields)


def before_clients(loader: Loader, objects: list[Any], rows: list[dict[str, Any]]) -> None:
    """Each new client gets a data key of their own and a code (KH-2023-0042), as client_create gives."""
    fresh = [obj for obj in objects if obj.pk is None]
    keys = DataKey.objects.bulk_create([DataKey(wrapped_key=_random_key()) for _obj in fresh])
    by_year: dict[int, list[Client]] = defaultdict(list)
    for client, data_key in zip(fresh, keys, strict=True):
        client.data_key = data_key
        by_year[timezone.localtime(client.registered_at).year].append(client)
    for year, clients in by_year.items():
        counter, _created = ClientCodeCounter.objects.select_for_update().get_or_create(office=loader.office, year=year)
        for client in clients:
            counter.last_number += 1
            client.code = f"{loader.office.code}-{year}-{counter.last_number:04d}"
        counter.save(update_fields=["last_number"])


def _random_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def after_clients(loader: Loader, objects: list[Any], rows: list[dict[str, Any]]) -> None:
    ClientLookup.objects.bulk_create(
        [
            ClientLookup(client=client, kind=kind, digest=token)
            for client in objects
            for kind, token in sorted(_lookup_tokens(client))
        ],
        batch_size=BATCH,
    )
    for client in objects:
        loader.keys[client.pk] = (client.data_key.pk, str(client.data_key.row_id), client.data_key.wrapped_key or "")


def after_client_update(loader: Loader, objects: list[Any], rows: list[dict[str, Any]]) -> None:
    for client in objects:
        ClientLookup.objects.filter(client=client).delete()
    after_clients(loader, objects, rows)


def build_referral(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    client_id = loader.ref("clients", v["client_ref"])
    fields = {
        "office": loader.office,
        "direction": v["direction"] or Referral.Direction.INCOMING,
        "source": v["source"] or "organisation",
        "organisation_id": loader.ref("partners", v["cas_ReferringOrganisation"]),
        "referred_on": v["cas_IncomingReferralDate"],
        "urgency": v["urgency"] or "normal",
        "reason": v["cas_IncomingReferralDetails"],
        "person": {"name": v["person_name"]} if v["person_name"] else {},
        "status": v["status"],
        "decision_note": v["decision_note"],
        "client": loader.client_shell(client_id) if client_id else None,
        "submitted_by": loader.actor,
    }
    obj = _make(Referral, existing, fields)
    if existing is not None:
        reseal(obj)  # the client may have changed: encrypt under the right key
    return obj


def build_case(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    client_id = loader.ids["clients"][v["client_ref"]]
    status = v["cas_Status"] or CaseStatus.OPEN
    fields = {
        "office": loader.office,
        "client": loader.client_shell(client_id),
        "team_id": loader.teams.get(_normal(v["team"])) if v["team"] else None,
        "case_manager_id": loader.users.get(v["cas_CaseOwner"]) if v["cas_CaseOwner"] else None,
        "opened_on": v["opened_on"],
        "referral_id": loader.ref("referrals", v["referral_ref"]),
        "primary_abuse_type": v["primary_abuse_type"],
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
    return _make(Case, existing, fields)


def after_cases(loader: Loader, objects: list[Any], rows: list[dict[str, Any]]) -> None:
    """The client joins the caseload of their latest case (as case_open does)."""
    latest: dict[int, Case] = {}
    for case in objects:
        current = latest.get(case.client_id)
        if current is None or case.opened_on > current.opened_on:
            latest[case.client_id] = case
    for client_id, case in latest.items():
        if case.team_id or case.case_manager_id:
            Client.objects.filter(pk=client_id).update(team_id=case.team_id, case_manager_id=case.case_manager_id)


def build_foster_family(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {"office": loader.office, "name": v["name"], "phone": v["phone"], "approved_on": v["approved_on"]}
    return _make(FosterFamily, existing, fields)


def prepare_placements(loader: Loader, sheet: fmt.Sheet, source_name: str) -> None:
    """Each open placement ends when the client's next one starts, or when the case closed."""
    by_client: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    closed: dict[int, datetime.date | None] = {}
    for case_id, closed_on in (
        Case.objects.filter(office=loader.office, closed_on__isnull=False).values_list("pk", "closed_on").iterator()
    ):
        closed[case_id] = closed_on
    for values in loader._rows(sheet, source_name):
        owner = loader.owners["cases"][values["case_ref"]]
        by_client[owner.client_id].append(
            (values["start"], values["end"], closed.get(owner.case_id or 0), values["placement_ref"])
        )
    loader.placement_ends = {}
    for placements in by_client.values():
        placements.sort(key=lambda item: item[0])
        for placement, end in zip(placements, placement_ends(placements), strict=True):
            loader.placement_ends[placement[3]] = end


def build_placement(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    owner = loader.owners["cases"][v["case_ref"]]
    kind = v["kind"]
    fields = {
        "client_id": owner.client_id,
        "case_id": owner.case_id,
        "kind": kind,
        "start": v["start"],
        "end": loader.placement_ends.get(v["placement_ref"], v["end"]),
        "foster_family_id": loader.ref("foster_families", v["foster_family_ref"]) if kind == "foster_care" else None,
        "organisation_id": loader.ref("partners", v["partner_ref"]) if kind == "other_shelter" else None,
    }
    return _make(Placement, existing, fields)


def _client_record(model: Any, **extra: str) -> Callable[[Loader, dict[str, Any], Any], Any]:
    """A record of a client's case whose fields are the row's columns of the same names."""

    def build(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
        owner = loader.owners["cases"][v["case_ref"]]
        fields = _record_fields(loader, v, owner)
        for name, column in extra.items():
            fields[name] = v[column]
        return _make(model, existing, fields)

    return build


def build_legal_milestone(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    owner = loader.owners["legal_cases"][v["legal_case_ref"]]
    legal_case = care.LegalCase(
        pk=loader.ids["legal_cases"][v["legal_case_ref"]], client=loader.client_shell(owner.client_id)
    )
    fields = {
        "legal_case": legal_case,
        "kind": v["kind"],
        "happened_on": v["happened_on"],
        "outcome": v["outcome"] if v["kind"] == care.LegalMilestone.Kind.VERDICT else "",
        "note": v["note"],
    }
    return _make(care.LegalMilestone, existing, fields)


def build_training(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = _record_fields(loader, v, loader.owners["cases"][v["case_ref"]])
    fields |= {
        "kind": v["kind"],
        "organisation_id": loader.ref("partners", v["partner_ref"]),
        "trade": v["trade"],
        "start": v["start"],
        "end": v["end"],
        "completed_on": v["completed_on"],
    }
    return _make(care.Training, existing, fields)


def build_stipend(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    owner = loader.owners["trainings"][v["training_ref"]]
    fields = _record_fields(loader, v, owner)
    fields |= {
        "training_id": loader.ids["trainings"][v["training_ref"]],
        "paid_on": v["paid_on"],
        "amount": v["amount"],
        "amount_usd": v["amount_usd"],
    }
    return _make(care.Stipend, existing, fields)


def build_employment(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = _record_fields(loader, v, loader.owners["cases"][v["case_ref"]])
    fields |= {
        "employer_id": loader.ref("partners", v["partner_ref"]),
        "employer_name": v["employer_name"],
        "work": v["work"],
        "start": v["start"],
        "end": v["end"],
        "after_training_id": loader.ref("trainings", v["training_ref"]),
    }
    return _make(care.Employment, existing, fields)


def prepare_assessments(loader: Loader, sheet: fmt.Sheet, source_name: str) -> None:
    """The first assessment of a case is its baseline: find each case's first day."""
    loader.instrument = outcome_services.current_instrument()
    loader.items = {item.code: item for item in loader.instrument.items.all()}
    first: dict[int, datetime.date] = {}
    for values in loader._rows(sheet, source_name):
        case_id = loader.owners["cases"][values["case_ref"]].case_id or 0
        if case_id not in first or values["assessed_on"] < first[case_id]:
            first[case_id] = values["assessed_on"]
    loader.first_assessment = first


def build_assessment(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    owner = loader.owners["cases"][v["case_ref"]]
    fields = _record_fields(loader, v, owner)
    scores: dict[str, Decimal] = {}
    for domain in care.Domain.values:
        answers = [v[f"q_{code}"] for code, item in loader.items.items() if item.domain == domain]
        scores[f"{domain}_score"] = (Decimal(sum(answers)) / len(answers)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    first = loader.first_assessment.get(owner.case_id or 0)
    fields |= {
        "instrument": loader.instrument,
        "kind": Assessment.Kind.BASELINE if first == v["assessed_on"] else Assessment.Kind.REASSESSMENT,
        "assessed_on": v["assessed_on"],
        "note": v["note"],
        **scores,
    }
    loader.clock_clients.add(owner.client_id)
    return _make(Assessment, existing, fields)


def after_assessments(loader: Loader, objects: list[Any], rows: list[dict[str, Any]]) -> None:
    AssessmentAnswer.objects.filter(assessment__in=[obj.pk for obj in objects]).delete()
    AssessmentAnswer.objects.bulk_create(
        [
            AssessmentAnswer(assessment=obj, item=item, score=values[f"q_{code}"])
            for obj, values in zip(objects, rows, strict=True)
            for code, item in loader.items.items()
        ],
        batch_size=BATCH,
    )


def build_crisis(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    owner = loader.owners["cases"][v["case_ref"]]
    fields = _record_fields(loader, v, owner)
    fields |= {
        "occurred_on": v["occurred_on"],
        "domains": v["domains"],
        "severity": v["severity"],
        "what_happened": v["what_happened"],
        "response": v["response"],
    }
    loader.clock_clients.add(owner.client_id)
    return _make(CrisisEvent, existing, fields)


def after_crises(loader: Loader, objects: list[Any], rows: list[dict[str, Any]]) -> None:
    """A crisis dated on or before a closure as whole is flagged for the supervisor (crisis_record)."""
    closures: dict[int, list[datetime.date]] = defaultdict(list)
    for client_id, closed_on in Case.objects.filter(
        client_id__in={obj.client_id for obj in objects},
        status=CaseStatus.CLOSED,
        closure_reason=ClosureReason.GOALS_ACHIEVED,
    ).values_list("client_id", "closed_on"):
        if closed_on is not None:
            closures[client_id].append(closed_on)
    flagged = set(ClockFlag.objects.filter(crisis__in=[obj.pk for obj in objects]).values_list("crisis_id", flat=True))
    ClockFlag.objects.bulk_create(
        [
            ClockFlag(client_id=obj.client_id, crisis=obj, reason="crisis_before_closure_as_whole")
            for obj in objects
            if obj.pk not in flagged and any(day >= obj.occurred_on for day in closures[obj.client_id])
        ]
    )


def build_participant(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "office": loader.office,
        "name": v["name"],
        "phone": v["phone"],
        "sex": v["sex"] or Sex.UNKNOWN,
        "age_band": v["age_band"],
        "province": v["province"],
        "commune": v["commune"],
        "village": v["village"],
        "group": v["group"],
        "organisation_id": loader.ref("partners", v["partner_ref"]),
        "external_ref": v["participant_ref"],
    }
    return _make(Participant, existing, fields)


def build_activity(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "office": loader.office,
        "kind": v["kind"],
        "topic": v["topic"],
        "held_on": v["held_on"],
        "place": v["place"],
        "external_ref": v["activity_ref"],
    }
    return _make(Activity, existing, fields)


def build_attendance(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "activity_id": loader.ids["activities"][v["activity_ref"]],
        "participant_id": loader.ids["participants"][v["participant_ref"]],
        "pre_test": v["pre_test"],
        "post_test": v["post_test"],
    }
    return _make(Attendance, existing, fields)


# --- counseling ------------------------------------------------------------------------------


def build_counseling_session(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "office": loader.office,
        "held_on": v["held_on"],
        "format": v["format"] or care.SessionFormat.INDIVIDUAL,
        "modality": v["modality"] or care.Modality.TF_CBT,
        "duration_minutes": v["duration_minutes"] or 60,
        "counselor_id": loader.user_id(v["counselor"]),
        "group_note": v["group_note"],
    }
    return _make(care.CounselingSession, existing, fields)


def build_session_attendance(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = _record_fields(loader, v, loader.owners["cases"][v["case_ref"]])
    fields |= {"session_id": loader.ids["counseling_sessions"][v["session_ref"]], "note": v["note"]}
    return _make(care.SessionAttendance, existing, fields)


def build_treatment_plan(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    status = v["status"] or care.TreatmentPlan.Status.ACTIVE
    fields = _record_fields(loader, v, loader.owners["cases"][v["case_ref"]])
    fields |= {
        "counselor_id": loader.user_id(v["counselor"]),
        "started_on": v["started_on"],
        "components": v["components"],
        "components_done": v["components_done"],
        "status": status,
        "ended_on": v["spl_ActualEndDate"] if status != care.TreatmentPlan.Status.ACTIVE else None,
        "goals_met": bool(v["goals_met"]) and status == care.TreatmentPlan.Status.COMPLETED,
        "note": v["note"],
    }
    return _make(care.TreatmentPlan, existing, fields)


# --- programmes ------------------------------------------------------------------------------


def build_community_group(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "office": loader.office,
        "name": v["name"],
        "province": v["province"],
        "district": v["district"],
        "commune": v["commune"],
        "village": v["village"],
    }
    return _make(CommunityGroup, existing, fields)


def set_many(relation: str, column: str, target: Callable[[Loader, str], int]) -> Callable[..., None]:
    """The people linked to each record (a group's leaders, a meeting's staff) become those of the row."""

    def after(loader: Loader, objects: list[Any], rows: list[dict[str, Any]]) -> None:
        if not objects:
            return
        field = objects[0]._meta.get_field(relation)
        through = field.remote_field.through
        source, other = field.m2m_field_name(), field.m2m_reverse_field_name()
        through.objects.filter(**{f"{source}__in": [obj.pk for obj in objects]}).delete()
        through.objects.bulk_create(
            [
                through(**{f"{source}_id": obj.pk, f"{other}_id": target(loader, ref)})
                for obj, values in zip(objects, rows, strict=True)
                for ref in dict.fromkeys(values[column])
            ],
            batch_size=BATCH,
        )

    return after


def build_group_status(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "group_id": loader.ids["community_groups"][v["group_ref"]],
        "status": v["status"],
        "start": v["start"],
        "end": v["end"],
    }
    return _make(GroupStatusPeriod, existing, fields)


def build_plan_action(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "group_id": loader.ids["community_groups"][v["group_ref"]],
        "year": v["year"] or v["planned_on"].year,
        "topic": v["topic"],
        "planned_on": v["planned_on"],
        "completed_on": v["completed_on"],
    }
    return _make(GroupPlanAction, existing, fields)


def build_hw_group(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {"office": loader.office, "label": v["label"], "village": v["village"]}
    return _make(HusbandWifeGroup, existing, fields)


HwAttendance = Activity.hw_groups.through


def build_hw_attendance(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "activity_id": loader.ids["activities"][v["activity_ref"]],
        "husbandwifegroup_id": loader.ids["husband_wife_groups"][v["hw_group_ref"]],
    }
    return _make(HwAttendance, existing, fields)


def build_campaign(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "office": loader.office,
        "kind": v["kind"],
        "topics": v["topics"],
        "held_on": v["held_on"],
        "place": v["place"],
        **{column: v[column] or 0 for column in ("adults_female", "adults_male", "children_female", "children_male")},
    }
    return _make(Campaign, existing, fields)


def build_external_meeting(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {"office": loader.office, "kind": v["kind"], "held_on": v["held_on"], "notes": v["notes"]}
    return _make(ExternalMeeting, existing, fields)


def build_donation(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "office": loader.office,
        "item": v["item"],
        "description": v["description"],
        "copies": v["copies"],
        "recipient_id": loader.ids["partners"][v["partner_ref"]],
        "donated_on": v["donated_on"],
    }
    return _make(Donation, existing, fields)


def build_public_event(loader: Loader, v: dict[str, Any], existing: Any) -> Any:
    fields = {
        "office": loader.office,
        "kind": v["kind"],
        "name": v["name"],
        "held_on": v["held_on"],
        "reported_attendance": v["reported_attendance"],
    }
    return _make(PublicEvent, existing, fields)


def adopt(model: Any, *keys: str) -> Callable[[Loader, list[Any], list[dict[str, Any]]], None]:
    """A participant, activity or attendance the office already recorded (an attendance upload with the
    same reference) is taken over, not added twice: it gets the existing primary key and is updated."""

    def before(loader: Loader, objects: list[Any], rows: list[dict[str, Any]]) -> None:
        wanted = {tuple(getattr(obj, key) for key in keys) for obj in objects}
        first = keys[0]
        found = {
            tuple(row[1:]): row[0]
            for row in model.objects.filter(**{f"{first}__in": {key[0] for key in wanted}})
            .filter(**({"office": loader.office} if hasattr(model, "office") else {}))
            .values_list("pk", *keys)
        }
        for obj in objects:
            pk = found.get(tuple(getattr(obj, key) for key in keys))
            if pk is not None:
                obj.pk = pk
                obj._adopted = True

    return before


MODELS: dict[str, Any] = {
    "partners": Organisation,
    "partnerships": PartnershipPeriod,
    "agreements": Agreement,
    "clients": Client,
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
    "assessments": Assessment,
    "crises": CrisisEvent,
    "surveys": EconomicSurvey,
    "participants": Participant,
    "activities": Activity,
    "attendance": Attendance,
    "counseling_sessions": care.CounselingSession,
    "counseling_attendance": care.SessionAttendance,
    "treatment_plans": care.TreatmentPlan,
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
BUILDERS: dict[str, Callable[[Loader, dict[str, Any], Any], Any]] = {
    "partners": build_partner,
    "partnerships": build_partnership,
    "agreements": build_agreement,
    "clients": build_client,
    "referrals": build_referral,
    "cases": build_case,
    "foster_families": build_foster_family,
    "placements": build_placement,
    "legal_services": _client_record(care.LegalService, kind="kind", provided_on="provided_on", note="note"),
    "legal_cases": _client_record(
        care.LegalCase,
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
        care.EducationSupport,
        level="level",
        kind="kind",
        provided_on="provided_on",
        school_year="school_year",
        outcome="outcome",
    ),
    "economic_services": _client_record(
        care.EconomicService,
        kind="kind",
        provided_on="provided_on",
        amount="amount",
        amount_usd="amount_usd",
        note="note",
    ),
    "trainings": build_training,
    "stipends": build_stipend,
    "employment": build_employment,
    "visits": _client_record(
        care.Visit, mode="mode", visited_on="visited_on", next_visit_on="next_visit_on", note="note"
    ),
    "assessments": build_assessment,
    "crises": build_crisis,
    "surveys": _client_record(
        EconomicSurvey,
        surveyed_on="surveyed_on",
        income_increased="income_increased",
        income_covers_needs="income_covers_needs",
    ),
    "participants": build_participant,
    "activities": build_activity,
    "attendance": build_attendance,
    "counseling_sessions": build_counseling_session,
    "counseling_attendance": build_session_attendance,
    "treatment_plans": build_treatment_plan,
    "community_groups": build_community_group,
    "group_statuses": build_group_status,
    "group_plan_actions": build_plan_action,
    "husband_wife_groups": build_hw_group,
    "hw_group_attendance": build_hw_attendance,
    "campaigns": build_campaign,
    "external_meetings": build_external_meeting,
    "donations": build_donation,
    "public_events": build_public_event,
}
PREPARE: dict[str, Callable[[Loader, fmt.Sheet, str], None]] = {
    "placements": prepare_placements,
    "assessments": prepare_assessments,
}
BEFORE_CREATE: dict[str, Callable[[Loader, list[Any], list[dict[str, Any]]], None]] = {
    "clients": before_clients,
    "participants": adopt(Participant, "external_ref"),
    "activities": adopt(Activity, "external_ref"),
    "attendance": adopt(Attendance, "activity_id", "participant_id"),
    "counseling_attendance": adopt(care.SessionAttendance, "session_id", "client_id"),
    "hw_group_attendance": adopt(HwAttendance, "activity_id", "husbandwifegroup_id"),
}
_LEADERS = set_many("leaders", "leaders", lambda loader, ref: loader.ids["participants"][ref])
_ATTENDED_BY = set_many("attended_by", "attended_by", lambda loader, username: loader.users[username])
AFTER_CREATE: dict[str, Callable[[Loader, list[Any], list[dict[str, Any]]], None]] = {
    "clients": after_clients,
    "cases": after_cases,
    "assessments": after_assessments,
    "crises": after_crises,
    "community_groups": _LEADERS,
    "external_meetings": _ATTENDED_BY,
}
AFTER_UPDATE: dict[str, Callable[[Loader, list[Any], list[dict[str, Any]]], None]] = {
    "clients": after_client_update,
    "cases": after_cases,
    "assessments": after_assessments,
    "community_groups": _LEADERS,
    "external_meetings": _ATTENDED_BY,
}


def load(
    *,
    office: Office,
    source: Source,
    actor: User,
    run: ImportRun,
    total: int,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, int]]:
    """Write the checked workbook in one transaction with its audit event; return the counts."""
    with transaction.atomic(), outcome_services.clocks_refreshed_at_end():
        loader = Loader(office=office, source=source, actor=actor, run=run, total=total, on_progress=on_progress)
        counts = loader.run_all()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            target=run,
            changed_fields=[
                f"{sheet}:+{c['created']}~{c['updated']}={c['unchanged']}" for sheet, c in sorted(counts.items())
            ],
        )
    return counts
