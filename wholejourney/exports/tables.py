"""What each export contains: a header and rows, read through the same scoped selectors as the
pages (a user exports only what they may see). Without `identifying`, people appear by their
codes only; with it, their names, dates of birth, contacts, addresses and notes are added, and only
for the clients whose consent to share information is in force: the others are left out
(clients.selectors.with_sharing_consent). No document or photo of a client is ever exported.

The HTCDS export names its columns after the IOM Human Trafficking Case Data Standard 2.0
(`prs_`, `vic_`, `cas_`, `hte_`, `cco_`); what the standard has no field for is prefixed `wj_`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from wholejourney.accounts.permissions import can_read_counseling_notes
from wholejourney.accounts.roles import Permission
from wholejourney.care.permissions import areas_of
from wholejourney.care.selectors import TIMELINE_KINDS
from wholejourney.cases import selectors as case_selectors
from wholejourney.cases.models import Case, CaseStatus, ClosureReason, TraffickingSubtype
from wholejourney.clients.models import Client
from wholejourney.clients.selectors import clients_visible_to, with_sharing_consent
from wholejourney.exports.models import ExportKind
from wholejourney.programmes import selectors as programme_selectors

Row = list[Any]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: Iterator[Row]
    clients: Callable[[], list[int]]  # the clients whose records are in it (for the audit trail)


# Who may export what: the permission that shows the same list on the pages.
EXPORT_PERMISSION: dict[str, Permission] = {
    ExportKind.CLIENTS: Permission.VIEW_CLIENTS,
    ExportKind.CASES: Permission.VIEW_CLIENTS,
    ExportKind.SERVICES: Permission.VIEW_CLIENTS,
    ExportKind.HTCDS: Permission.VIEW_CLIENTS,
    ExportKind.PARTICIPANTS: Permission.RECORD_PREVENTION,
    # Moving an office's records out, as importing moves them in: administrators of the office.
    ExportKind.OFFICE: Permission.IMPORT_DATA,
}


def _ids(queryset: QuerySet[Any], field: str = "pk") -> Callable[[], list[int]]:
    return lambda: sorted(set(queryset.values_list(field, flat=True)))


def _join(values: Any) -> str:
    return "; ".join(str(v) for v in values or [] if str(v).strip())


def _address(client: Client) -> dict[str, str]:
    address = client.address if isinstance(client.address, dict) else {}
    return {part: str(address.get(part, "")) for part in ("village", "commune", "district", "province")}


def _id_numbers(client: Client) -> str:
    return _join(d.get("number", "") for d in client.id_documents or [] if isinstance(d, dict))


# --- clients ---------------------------------------------------------------------------------

CLIENT_COLUMNS = [
    "client_code", "office", "team", "case_manager", "sex", "gender", "birth_year", "citizenship",
    "primary_language", "registered_on", "case_status", "placement",
]  # fmt: skip
IDENTITY_COLUMNS = [
    "family_name_km", "given_name_km", "family_name_latin", "given_name_latin", "aliases", "date_of_birth",
    "phone_numbers", "id_numbers", "village", "commune", "district", "province",
]  # fmt: skip


def _identity(client: Client) -> Row:
    address = _address(client)
    return [
        client.family_name_km or "",
        client.given_name_km or "",
        client.family_name_latin or "",
        client.given_name_latin or "",
        _join(client.aliases),
        client.date_of_birth,
        _join(client.phone_numbers),
        _id_numbers(client),
        address["village"],
        address["commune"],
        address["district"],
        address["province"],
    ]


def clients_table(user: Any, identifying: bool) -> Table:
    clients = case_selectors.caseload_rows(user).order_by("code")
    if identifying:
        clients = with_sharing_consent(clients)

    def rows() -> Iterator[Row]:
        for c in clients.iterator(chunk_size=500):
            row = [
                c.code,
                c.office.code,
                c.team.name if c.team else "",
                c.case_manager.get_username() if c.case_manager else "",
                c.sex,
                c.gender,
                c.birth_year,
                c.citizenship,
                c.primary_language,
                c.registered_at.date(),
                getattr(c, "case_status", None) or "",
                getattr(c, "placement_kind", None) or "",
            ]
            yield row + _identity(c) if identifying else row

    return Table(CLIENT_COLUMNS + (IDENTITY_COLUMNS if identifying else []), rows(), _ids(clients))


# --- cases -----------------------------------------------------------------------------------

CASE_COLUMNS = [
    "case_id", "client_code", "office", "team", "case_manager", "opened_on", "primary_abuse_type",
    "trafficking_subtype", "referral_source", "referred_by", "status", "closed_on", "closure_reason",
]  # fmt: skip


def _cases(user: Any) -> QuerySet[Case]:
    return (
        Case.objects.filter(client__in=clients_visible_to(user))
        .select_related("client", "client__data_key", "office", "team", "case_manager", "referral__organisation")
        .order_by("client__code", "opened_on", "pk")
    )


def cases_table(user: Any, identifying: bool) -> Table:
    cases = with_sharing_consent(_cases(user), "client_id") if identifying else _cases(user)

    def rows() -> Iterator[Row]:
        for case in cases.iterator(chunk_size=500):
            referral = case.referral
            row = [
                case.pk,
                case.client.code,
                case.office.code,
                case.team.name if case.team else "",
                case.case_manager.get_username() if case.case_manager else "",
                case.opened_on,
                case.primary_abuse_type,
                case.trafficking_subtype,
                referral.source if referral else "",
                referral.organisation.name if referral and referral.organisation else "",
                case.status,
                case.closed_on,
                case.closure_reason,
            ]
            yield row + [case.summary or ""] if identifying else row

    return Table(CASE_COLUMNS + (["summary"] if identifying else []), rows(), _ids(cases, "client_id"))


# --- services --------------------------------------------------------------------------------

_NOT_DETAILS = {"id", "row_id", "client", "case", "recorded_by"}
_COUNSELING = {"session", "treatment"}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _attname(record: Any, name: str) -> str:
    field: Any = record._meta.get_field(name)
    return str(field.attname)


def _plain_fields(model: Any) -> list[str]:
    privacy = getattr(model, "Privacy", None)
    return list(getattr(privacy, "plain", []))


def services_table(user: Any, identifying: bool) -> Table:
    """Every care record of the clients the user may see, in the areas their roles open."""
    kinds = [kind for kind in TIMELINE_KINDS if kind.area in areas_of(user)]
    clients = with_sharing_consent(clients_visible_to(user)) if identifying else clients_visible_to(user)
    details: list[str] = sorted(
        {
            name
            for kind in kinds
            for name in _plain_fields(kind.model)
            if name not in _NOT_DETAILS and not kind.model._meta.get_field(name).many_to_many
        }
    )
    header = ["client_code", "record", "record_id", "date", "case_id", *details]

    def rows() -> Iterator[Row]:
        readable: dict[int, bool] = {}
        for kind in kinds:
            client_path = kind.client
            records = (
                kind.model._default_manager.filter(**{f"{client_path}__in": clients})
                .select_related(client_path, f"{client_path}__data_key", f"{client_path}__team")
                .order_by(client_path, kind.day, "pk")
            )
            for record in records.iterator(chunk_size=500):
                client: Any = record
                for step in client_path.split("__"):
                    client = getattr(client, step)
                day: Any = record
                for step in kind.day.split("__"):
                    day = getattr(day, step)
                plain = _plain_fields(record)
                fields = {name: _plain(getattr(record, _attname(record, name))) for name in details if name in plain}
                row = [
                    client.code,
                    kind.key,
                    record.pk,
                    day,
                    getattr(record, "case_id", None),
                    *[fields.get(name, "") for name in details],
                ]
                if identifying:
                    note = ""
                    if hasattr(record, "note"):
                        if kind.key in _COUNSELING:
                            if client.pk not in readable:
                                readable[client.pk] = can_read_counseling_notes(user, client)
                            note = record.note if readable[client.pk] else ""
                        else:
                            note = record.note
                    row.append(note or "")
                yield row

    return Table(header + (["note"] if identifying else []), rows(), _ids(clients))


# --- participants ----------------------------------------------------------------------------

PARTICIPANT_COLUMNS = [
    "participant_id", "ref", "office", "group", "sex", "age_band", "province", "commune", "village",
    "organisation", "activities_attended",
]  # fmt: skip


def participants_table(user: Any, identifying: bool) -> Table:
    """The office's participants; names and phones only for those the programme pages show them to."""
    participants = programme_selectors.participants_visible_to(user).select_related("office").order_by("pk")
    identifying = identifying and programme_selectors.may_see_names(user)

    def rows() -> Iterator[Row]:
        for p in participants.iterator(chunk_size=500):
            row = [
                p.pk,
                p.external_ref,
                p.office.code,
                p.group,
                p.sex,
                p.age_band,
                p.province,
                p.commune,
                p.village,
                p.organisation.name if p.organisation else "",
                p.activity_count,  # type: ignore[attr-defined]
            ]
            yield row + [p.name or "", p.phone or ""] if identifying else row

    return Table(PARTICIPANT_COLUMNS + (["name", "phone"] if identifying else []), rows(), lambda: [])


# --- HTCDS -----------------------------------------------------------------------------------

_HTCDS_STATUS = {CaseStatus.OPEN: "Active", CaseStatus.FOLLOW_UP: "FollowUp", CaseStatus.CLOSED: "Closed"}
_HTCDS_EXPLOITATION = {
    TraffickingSubtype.SEX: "SexualExploitation",
    TraffickingSubtype.LABOUR: "ForcedLabour",
    TraffickingSubtype.SLAVERY: "Servitude",
    TraffickingSubtype.FORCED_MARRIAGE: "ForcedMarriage",
}
HTCDS_COLUMNS = [
    "wj_CaseId", "wj_ClientCode", "wj_Office", "wj_OpenedOn", "wj_PrimaryAbuseType", "wj_ClosedOn",
    "prs_Gender", "prs_Citizenship", "prs_PrimaryLanguage", "prs_SecondaryLanguage",
    "vic_AgeWhenTrafficked", "vic_TypeOfExploitation", "vic_MethodsOfControl", "vic_MethodOfRecruitment",
    "cas_Status", "cas_ReasonForCaseClosure", "cas_CaseOwner", "cas_ReferringOrganisation",
    "cas_IncomingReferralDate", "hte_Type", "hte_Country",
]  # fmt: skip
HTCDS_IDENTIFYING = [
    "prs_FirstName", "prs_SecondName", "prs_Birthdate", "prs_IdentityNumber", "prs_MobilePhone",
    "prs_MailingStreet", "prs_MailingCity", "prs_MailingState", "prs_MailingCountry", "cco_CaseComment",
]  # fmt: skip


def _age_when_opened(case: Case) -> int | None:
    client = case.client
    if client.birth_year is None:
        return None
    born = datetime.date(client.birth_year, 12, 31)  # the younger age when only the year is known
    opened = case.opened_on
    return opened.year - born.year - ((opened.month, opened.day) < (born.month, born.day))


def htcds_table(user: Any, identifying: bool) -> Table:
    """Case records, one row per case, in the standard's field names."""
    cases = with_sharing_consent(_cases(user), "client_id") if identifying else _cases(user)

    def rows() -> Iterator[Row]:
        for case in cases.iterator(chunk_size=500):
            client, referral = case.client, case.referral
            exploitation = list(case.exploitation_types or [])
            if not exploitation and case.trafficking_subtype in _HTCDS_EXPLOITATION:
                exploitation = [_HTCDS_EXPLOITATION[TraffickingSubtype(case.trafficking_subtype)]]
            status = _HTCDS_STATUS.get(CaseStatus(case.status), "")
            if case.closure_reason == ClosureReason.TRANSFERRED:
                status = "ClosedReferred"
            row = [
                case.pk,
                client.code,
                case.office.code,
                case.opened_on,
                case.primary_abuse_type,
                case.closed_on,
                client.gender,
                client.citizenship,
                client.primary_language,
                client.secondary_language,
                _age_when_opened(case),
                _join(exploitation),
                _join(case.control_methods),
                case.recruitment,
                status,
                case.get_closure_reason_display() if case.closure_reason else "",
                case.case_manager.get_username() if case.case_manager else "",
                referral.organisation.name if referral and referral.organisation else "",
                referral.referred_on if referral else None,
                "Exploitation" if case.countries else "",
                _join(case.countries),
            ]
            if identifying:
                address = _address(client)
                row += [
                    client.given_name_latin or client.given_name_km or "",
                    client.family_name_latin or client.family_name_km or "",
                    client.date_of_birth,
                    _id_numbers(client),
                    _join(client.phone_numbers),
                    ", ".join(p for p in (address["village"], address["commune"]) if p),
                    address["district"],
                    address["province"],
                    case.office.country,
                    case.summary or "",
                ]
            yield row

    return Table(HTCDS_COLUMNS + (HTCDS_IDENTIFYING if identifying else []), rows(), _ids(cases, "client_id"))


TABLES: dict[str, Callable[[Any, bool], Table]] = {
    ExportKind.CLIENTS: clients_table,
    ExportKind.CASES: cases_table,
    ExportKind.SERVICES: services_table,
    ExportKind.PARTICIPANTS: participants_table,
    ExportKind.HTCDS: htcds_table,
}
