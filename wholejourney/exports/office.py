"""A whole office as one workbook in the import format (`imports.format`, docs/import-format.md):
the same sheets and columns, rows referring to each other by ids, so that the workbook imported
into an empty database gives back the office's records (and so its report figures, for every
figure the format carries the records of).

Rows keep the ids they were imported with; records made in the app get ids of their own
(`C123` for case 123; a client's id is their code). Erased clients (and their records) are left
out: their names are gone, and the format asks for one.

Text is written as text cells: a value a spreadsheet would run as a formula is marked "quote
prefix" (shown and kept as typed, never run), so the workbook reads back unchanged.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from django.db.models import Exists, Model, OuterRef, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from wholejourney.accounts.models import User
from wholejourney.care import models as care
from wholejourney.cases.models import Case, FosterFamily, Placement, Referral
from wholejourney.clients.models import Client, Consent
from wholejourney.core.models import Office
from wholejourney.exports.files import FORMULA_STARTS, worksheet_text
from wholejourney.imports import format as fmt
from wholejourney.imports.models import ImportedRow
from wholejourney.outcomes.models import Assessment, CrisisEvent, EconomicSurvey
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

Row = dict[str, Any]
CHUNK = 2000


def _cell(value: Any) -> Any:
    """A cell as the import reads it back: yes/no, lists joined with ‘;’, dates as dates."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value)
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return str(value)
    return value


class Refs:
    """The workbook's id of each record: the one it was imported with, else prefix + primary key."""

    def __init__(self, office: Office) -> None:
        self.office = office
        self.known: dict[str, dict[int, str]] = {}

    def load(self, sheet: str) -> None:
        self.known[sheet] = dict(
            ImportedRow.objects.filter(office=self.office, sheet=sheet).values_list("object_id", "external_id")
        )

    def of(self, sheet: str, prefix: str, pk: int | None) -> str | None:
        if pk is None:
            return None
        if sheet not in self.known:
            self.load(sheet)
        return self.known[sheet].get(pk) or f"{prefix}{pk}"


class OfficeWorkbook:
    """The rows of every sheet of the import format for one office."""

    def __init__(self, office: Office) -> None:
        self.office = office
        self.refs = Refs(office)
        self.client_codes: dict[int, str] = {}
        self.usernames: dict[int, str] = {}

    # --- references ------------------------------------------------------------------------

    def partner(self, pk: int | None) -> str | None:
        return self.refs.of("partners", "P", pk)

    def client(self, pk: int | None) -> str | None:
        if pk is None:
            return None
        return self.refs.known.get("clients", {}).get(pk) or self.client_codes.get(pk)

    def case(self, pk: int | None) -> str | None:
        return self.refs.of("cases", "C", pk)

    # --- the records -----------------------------------------------------------------------

    def _clients(self) -> QuerySet[Client]:
        return Client.objects.filter(office=self.office, erased_at__isnull=True)

    def _of_cases(self, model: type[Model], *related: str) -> QuerySet[Any]:
        return (
            model._default_manager.filter(case__office=self.office, client__erased_at__isnull=True)
            .select_related("client__data_key", *related)
            .order_by("pk")
        )

    def partners(self) -> Iterator[Row]:
        for o in Organisation.objects.filter(office=self.office).order_by("pk").iterator(CHUNK):
            yield {
                "partner_ref": self.partner(o.pk),
                "org_Name": o.name,
                "org_Type": o.kind,
                "org_ShippingState": o.province,
                "is_active": o.is_active,
            }

    def partnerships(self) -> Iterator[Row]:
        periods = PartnershipPeriod.objects.filter(organisation__office=self.office).order_by("pk")
        for p in periods.iterator(CHUNK):
            yield {
                "partnership_ref": self.refs.of("partnerships", "PP", p.pk),
                "partner_ref": self.partner(p.organisation_id),
                "active_from": p.active_from,
                "active_to": p.active_to,
            }

    def agreements(self) -> Iterator[Row]:
        for a in Agreement.objects.filter(organisation__office=self.office).order_by("pk").iterator(CHUNK):
            yield {
                "agreement_ref": self.refs.of("agreements", "AG", a.pk),
                "partner_ref": self.partner(a.organisation_id),
                "kind": a.kind,
                "signed_on": a.signed_on,
                "start": a.start,
                "end": a.end,
                "signatory": a.signatory,
            }

    def clients(self) -> Iterator[Row]:
        self.refs.load("clients")
        for c in self._clients().select_related("data_key").order_by("pk").iterator(CHUNK):
            self.client_codes[c.pk] = c.code
            address = c.address if isinstance(c.address, dict) else {}
            number = next(
                (str(d.get("number", "")) for d in c.id_documents or [] if isinstance(d, dict) and d.get("number")), ""
            )
            yield {
                "client_ref": self.client(c.pk),
                "prs_FirstName": c.given_name_latin,
                "prs_SecondName": c.family_name_latin,
                "given_name_km": c.given_name_km,
                "family_name_km": c.family_name_km,
                "aliases": [str(a) for a in c.aliases or []],
                "prs_Birthdate": c.date_of_birth,
                "birth_year": c.birth_year,
                "birth_year_estimated": c.birth_year_estimated,
                "sex": c.sex,
                "prs_Gender": c.gender,
                "prs_Citizenship": c.citizenship,
                "prs_PrimaryLanguage": c.primary_language,
                "prs_SecondaryLanguage": c.secondary_language,
                "prs_MobilePhone": [str(p) for p in c.phone_numbers or []],
                "prs_IdentityNumber": number,
                "address_village": address.get("village", ""),
                "address_commune": address.get("commune", ""),
                "address_district": address.get("district", ""),
                "prs_MailingState": address.get("province", ""),
                "registered_on": c.registered_at,
            }

    def consents(self) -> Iterator[Row]:
        consents = (
            Consent.objects.filter(client__office=self.office, client__erased_at__isnull=True)
            .select_related("client__data_key")
            .order_by("pk")
        )
        for c in consents.iterator(CHUNK):
            yield {
                "consent_ref": self.refs.of("consents", "CO", c.pk),
                "client_ref": self.client(c.client_id),
                "kind": c.kind,
                "partner_ref": self.partner(c.partner_id),
                "given_on": c.given_on,
                "how_given": c.how_given,
                "pseudonym": c.pseudonym,
                "guardian_name": c.guardian_name,
                "guardian_relation": c.guardian_relation,
                "withdrawn_on": c.withdrawn_on,
            }

    def referrals(self) -> Iterator[Row]:
        referrals = (
            Referral.objects.filter(office=self.office)
            .exclude(client__erased_at__isnull=False)
            .select_related("client__data_key")
            .order_by("pk")
        )
        for r in referrals.iterator(CHUNK):
            person = r.person if isinstance(r.person, dict) else {}
            yield {
                "referral_ref": self.refs.of("referrals", "R", r.pk),
                "direction": r.direction,
                "source": r.source,
                "cas_ReferringOrganisation": self.partner(r.organisation_id),
                "cas_IncomingReferralDate": r.referred_on,
                "urgency": r.urgency,
                "cas_IncomingReferralDetails": r.reason,
                "person_name": str(person.get("name", "")),
                "status": r.status,
                "client_ref": self.client(r.client_id),
                "decision_note": r.decision_note,
                "service_asked": r.service_asked,
                "outcome": r.outcome,
                "outcome_note": r.outcome_note,
            }

    def cases(self) -> Iterator[Row]:
        cases = (
            Case.objects.filter(office=self.office, client__erased_at__isnull=True)
            .select_related("client__data_key", "team", "case_manager")
            .order_by("pk")
        )
        for c in cases.iterator(CHUNK):
            yield {
                "case_ref": self.case(c.pk),
                "client_ref": self.client(c.client_id),
                "opened_on": c.opened_on,
                "referral_ref": self.refs.of("referrals", "R", c.referral_id),
                "primary_abuse_type": c.primary_abuse_type,
                "trafficking_subtype": c.trafficking_subtype,
                "vic_TypeOfExploitation": c.exploitation_types,
                "vic_MethodsOfControl": c.control_methods,
                "vic_MethodOfRecruitment": c.recruitment,
                "countries": c.countries,
                "summary": c.summary,
                "cas_Status": c.status,
                "closed_on": c.closed_on,
                "closure_reason": c.closure_reason,
                "cas_CaseOwner": c.case_manager.get_username() if c.case_manager else "",
                "team": c.team.name if c.team else "",
            }

    def foster_families(self) -> Iterator[Row]:
        for f in FosterFamily.objects.filter(office=self.office).order_by("pk").iterator(CHUNK):
            yield {
                "foster_family_ref": self.refs.of("foster_families", "F", f.pk),
                "name": f.name,
                "phone": f.phone,
                "approved_on": f.approved_on,
            }

    def placements(self) -> Iterator[Row]:
        placements = Placement.objects.filter(case__office=self.office, client__erased_at__isnull=True).order_by("pk")
        for p in placements.iterator(CHUNK):
            yield {
                "placement_ref": self.refs.of("placements", "PL", p.pk),
                "case_ref": self.case(p.case_id),
                "kind": p.kind,
                "start": p.start,
                "end": p.end,
                "foster_family_ref": self.refs.of("foster_families", "F", p.foster_family_id),
                "partner_ref": self.partner(p.organisation_id),
            }

    def legal_services(self) -> Iterator[Row]:
        for s in self._of_cases(care.LegalService).iterator(CHUNK):
            yield {
                "service_ref": self.refs.of("legal_services", "LS", s.pk),
                "case_ref": self.case(s.case_id),
                "kind": s.kind,
                "provided_on": s.provided_on,
                "note": s.note,
            }

    def legal_cases(self) -> Iterator[Row]:
        for c in self._of_cases(care.LegalCase).iterator(CHUNK):
            yield {
                "legal_case_ref": self.refs.of("legal_cases", "LC", c.pk),
                "case_ref": self.case(c.case_id),
                "kind": c.kind,
                "court": c.court,
                "case_number": c.case_number,
                "accused_role": c.accused_role,
                "accused_name": c.accused_name,
                "opened_on": c.opened_on,
                "ended_on": c.ended_on,
                "end": c.end,
            }

    def legal_milestones(self) -> Iterator[Row]:
        milestones = (
            care.LegalMilestone.objects.filter(
                legal_case__case__office=self.office, legal_case__client__erased_at__isnull=True
            )
            .select_related("legal_case__client__data_key")
            .order_by("pk")
        )
        for m in milestones.iterator(CHUNK):
            yield {
                "milestone_ref": self.refs.of("legal_milestones", "LM", m.pk),
                "legal_case_ref": self.refs.of("legal_cases", "LC", m.legal_case_id),
                "kind": m.kind,
                "happened_on": m.happened_on,
                "outcome": m.outcome,
                "note": m.note,
            }

    def education(self) -> Iterator[Row]:
        for e in self._of_cases(care.EducationSupport).iterator(CHUNK):
            yield {
                "support_ref": self.refs.of("education", "ED", e.pk),
                "case_ref": self.case(e.case_id),
                "level": e.level,
                "kind": e.kind,
                "provided_on": e.provided_on,
                "school_year": e.school_year,
                "outcome": e.outcome,
            }

    def economic_services(self) -> Iterator[Row]:
        for s in self._of_cases(care.EconomicService).iterator(CHUNK):
            yield {
                "service_ref": self.refs.of("economic_services", "EC", s.pk),
                "case_ref": self.case(s.case_id),
                "kind": s.kind,
                "provided_on": s.provided_on,
                "amount": s.amount,
                "amount_usd": s.amount_usd,
                "note": s.note,
            }

    def trainings(self) -> Iterator[Row]:
        for t in self._of_cases(care.Training).iterator(CHUNK):
            yield {
                "training_ref": self.refs.of("trainings", "TR", t.pk),
                "case_ref": self.case(t.case_id),
                "kind": t.kind,
                "partner_ref": self.partner(t.organisation_id),
                "trade": t.trade,
                "start": t.start,
                "end": t.end,
                "completed_on": t.completed_on,
            }

    def stipends(self) -> Iterator[Row]:
        for s in self._of_cases(care.Stipend).iterator(CHUNK):
            yield {
                "stipend_ref": self.refs.of("stipends", "ST", s.pk),
                "training_ref": self.refs.of("trainings", "TR", s.training_id),
                "paid_on": s.paid_on,
                "amount": s.amount,
                "amount_usd": s.amount_usd,
            }

    def employment(self) -> Iterator[Row]:
        for e in self._of_cases(care.Employment).iterator(CHUNK):
            yield {
                "employment_ref": self.refs.of("employment", "EM", e.pk),
                "case_ref": self.case(e.case_id),
                "partner_ref": self.partner(e.employer_id),
                "employer_name": e.employer_name,
                "work": e.work,
                "start": e.start,
                "end": e.end,
                "training_ref": self.refs.of("trainings", "TR", e.after_training_id),
            }

    def visits(self) -> Iterator[Row]:
        for v in self._of_cases(care.Visit).iterator(CHUNK):
            yield {
                "visit_ref": self.refs.of("visits", "V", v.pk),
                "case_ref": self.case(v.case_id),
                "mode": v.mode,
                "visited_on": v.visited_on,
                "next_visit_on": v.next_visit_on,
                "note": v.note,
            }

    def assessments(self) -> Iterator[Row]:
        assessments = self._of_cases(Assessment).prefetch_related("answers__item")
        for a in assessments.iterator(CHUNK):
            answers = {f"q_{answer.item.code}": answer.score for answer in a.answers.all()}
            yield {
                "assessment_ref": self.refs.of("assessments", "A", a.pk),
                "case_ref": self.case(a.case_id),
                "assessed_on": a.assessed_on,
                **answers,
                "note": a.note,
            }

    def crises(self) -> Iterator[Row]:
        for c in self._of_cases(CrisisEvent).iterator(CHUNK):
            yield {
                "crisis_ref": self.refs.of("crises", "CR", c.pk),
                "case_ref": self.case(c.case_id),
                "occurred_on": c.occurred_on,
                "domains": list(c.domains or []),
                "severity": c.severity,
                "what_happened": c.what_happened,
                "response": c.response,
            }

    def surveys(self) -> Iterator[Row]:
        for s in self._of_cases(EconomicSurvey).iterator(CHUNK):
            yield {
                "survey_ref": self.refs.of("surveys", "SU", s.pk),
                "case_ref": self.case(s.case_id),
                "surveyed_on": s.surveyed_on,
                "income_increased": s.income_increased,
                "income_covers_needs": s.income_covers_needs,
            }

    def _participant(self, pk: int, external_ref: str) -> str | None:
        return external_ref or self.refs.of("participants", "PA", pk)

    def _activity(self, pk: int, external_ref: str) -> str | None:
        return external_ref or self.refs.of("activities", "AC", pk)

    def participants(self) -> Iterator[Row]:
        for p in Participant.objects.filter(office=self.office).order_by("pk").iterator(CHUNK):
            yield {
                "participant_ref": self._participant(p.pk, p.external_ref),
                "name": p.name,
                "phone": p.phone,
                "sex": p.sex,
                "age_band": p.age_band,
                "province": p.province,
                "commune": p.commune,
                "village": p.village,
                "group": p.group,
                "partner_ref": self.partner(p.organisation_id),
            }

    def activities(self) -> Iterator[Row]:
        for a in Activity.objects.filter(office=self.office).order_by("pk").iterator(CHUNK):
            yield {
                "activity_ref": self._activity(a.pk, a.external_ref),
                "kind": a.kind,
                "topic": a.topic,
                "held_on": a.held_on,
                "place": a.place,
            }

    def attendance(self) -> Iterator[Row]:
        attendances = (
            Attendance.objects.filter(activity__office=self.office)
            .select_related("activity", "participant")
            .only("pk", "pre_test", "post_test", "activity__external_ref", "participant__external_ref")
            .order_by("pk")
        )
        for a in attendances.iterator(CHUNK):
            yield {
                "attendance_ref": self.refs.of("attendance", "AT", a.pk),
                "activity_ref": self._activity(a.activity_id, a.activity.external_ref),
                "participant_ref": self._participant(a.participant_id, a.participant.external_ref),
                "pre_test": a.pre_test,
                "post_test": a.post_test,
            }

    def _username(self, pk: int | None) -> str:
        if pk is None:
            return ""
        if pk not in self.usernames:
            self.usernames[pk] = User.objects.filter(pk=pk).values_list("username", flat=True).first() or ""
        return self.usernames[pk]

    def counseling_sessions(self) -> Iterator[Row]:
        # A session only erased clients attended is left out with them (the format asks for an attendee).
        attended = care.SessionAttendance.objects.filter(session=OuterRef("pk"), client__erased_at__isnull=True)
        sessions = care.CounselingSession.objects.filter(Exists(attended), office=self.office).order_by("pk")
        for s in sessions.iterator(CHUNK):
            yield {
                "session_ref": self.refs.of("counseling_sessions", "CS", s.pk),
                "held_on": s.held_on,
                "format": s.format,
                "modality": s.modality,
                "duration_minutes": s.duration_minutes,
                "counselor": self._username(s.counselor_id),
                "group_note": s.group_note,
            }

    def counseling_attendance(self) -> Iterator[Row]:
        for a in self._of_cases(care.SessionAttendance).iterator(CHUNK):
            yield {
                "attendance_ref": self.refs.of("counseling_attendance", "CA", a.pk),
                "session_ref": self.refs.of("counseling_sessions", "CS", a.session_id),
                "case_ref": self.case(a.case_id),
                "note": a.note,
            }

    def treatment_plans(self) -> Iterator[Row]:
        for t in self._of_cases(care.TreatmentPlan).iterator(CHUNK):
            yield {
                "plan_ref": self.refs.of("treatment_plans", "TP", t.pk),
                "case_ref": self.case(t.case_id),
                "counselor": self._username(t.counselor_id),
                "started_on": t.started_on,
                "components": list(t.components or []),
                "components_done": list(t.components_done or []),
                "status": t.status,
                "spl_ActualEndDate": t.ended_on,
                "goals_met": t.goals_met,
                "note": t.note,
            }

    def community_groups(self) -> Iterator[Row]:
        groups = CommunityGroup.objects.filter(office=self.office).prefetch_related("leaders").order_by("pk")
        for g in groups.iterator(CHUNK):
            yield {
                "group_ref": self.refs.of("community_groups", "CG", g.pk),
                "name": g.name,
                "province": g.province,
                "district": g.district,
                "commune": g.commune,
                "village": g.village,
                "leaders": [self._participant(p.pk, p.external_ref) for p in g.leaders.all()],
            }

    def group_statuses(self) -> Iterator[Row]:
        periods = GroupStatusPeriod.objects.filter(group__office=self.office).order_by("pk")
        for p in periods.iterator(CHUNK):
            yield {
                "status_ref": self.refs.of("group_statuses", "GS", p.pk),
                "group_ref": self.refs.of("community_groups", "CG", p.group_id),
                "status": p.status,
                "start": p.start,
                "end": p.end,
            }

    def group_plan_actions(self) -> Iterator[Row]:
        actions = GroupPlanAction.objects.filter(group__office=self.office).order_by("pk")
        for a in actions.iterator(CHUNK):
            yield {
                "action_ref": self.refs.of("group_plan_actions", "GA", a.pk),
                "group_ref": self.refs.of("community_groups", "CG", a.group_id),
                "year": a.year,
                "topic": a.topic,
                "planned_on": a.planned_on,
                "completed_on": a.completed_on,
            }

    def husband_wife_groups(self) -> Iterator[Row]:
        for g in HusbandWifeGroup.objects.filter(office=self.office).order_by("pk").iterator(CHUNK):
            yield {
                "hw_group_ref": self.refs.of("husband_wife_groups", "HW", g.pk),
                "label": g.label,
                "village": g.village,
            }

    def hw_group_attendance(self) -> Iterator[Row]:
        through = Activity.hw_groups.through
        rows = (
            through.objects.filter(activity__office=self.office)
            .values_list("pk", "activity_id", "activity__external_ref", "husbandwifegroup_id")
            .order_by("pk")
        )
        for pk, activity_id, external_ref, group_id in rows.iterator(CHUNK):
            yield {
                "hw_attendance_ref": self.refs.of("hw_group_attendance", "HA", pk),
                "activity_ref": self._activity(activity_id, external_ref),
                "hw_group_ref": self.refs.of("husband_wife_groups", "HW", group_id),
            }

    def campaigns(self) -> Iterator[Row]:
        for c in Campaign.objects.filter(office=self.office).order_by("pk").iterator(CHUNK):
            yield {
                "campaign_ref": self.refs.of("campaigns", "CP", c.pk),
                "kind": c.kind,
                "topics": [str(topic) for topic in c.topics or []],
                "held_on": c.held_on,
                "place": c.place,
                "adults_female": c.adults_female,
                "adults_male": c.adults_male,
                "children_female": c.children_female,
                "children_male": c.children_male,
            }

    def external_meetings(self) -> Iterator[Row]:
        meetings = ExternalMeeting.objects.filter(office=self.office).prefetch_related("attended_by").order_by("pk")
        for m in meetings.iterator(CHUNK):
            yield {
                "meeting_ref": self.refs.of("external_meetings", "EM", m.pk),
                "kind": m.kind,
                "held_on": m.held_on,
                "attended_by": [user.get_username() for user in m.attended_by.all()],
                "notes": m.notes,
            }

    def donations(self) -> Iterator[Row]:
        for d in Donation.objects.filter(office=self.office).order_by("pk").iterator(CHUNK):
            yield {
                "donation_ref": self.refs.of("donations", "DN", d.pk),
                "item": d.item,
                "description": d.description,
                "copies": d.copies,
                "partner_ref": self.partner(d.recipient_id),
                "donated_on": d.donated_on,
            }

    def public_events(self) -> Iterator[Row]:
        for e in PublicEvent.objects.filter(office=self.office).order_by("pk").iterator(CHUNK):
            yield {
                "event_ref": self.refs.of("public_events", "PE", e.pk),
                "kind": e.kind,
                "name": e.name,
                "held_on": e.held_on,
                "reported_attendance": e.reported_attendance,
            }

    def sheets(self) -> Iterator[tuple[fmt.Sheet, Iterable[Row]]]:
        """Every sheet of the format, in the format's order (clients before what refers to them)."""
        for sheet in fmt.SHEETS:
            rows: Callable[[], Iterable[Row]] = getattr(self, sheet.name)
            yield sheet, rows()


def _text_cell(sheet: Any, value: Any) -> Any:
    value = worksheet_text(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, never a formula
        cell.quotePrefix = True
        return cell
    return value


def write_office_workbook(office: Office, out: IO[bytes]) -> dict[str, int]:
    """Write the office's workbook to `out`; returns the rows written per sheet."""
    workbook = Workbook(write_only=True)
    counts: dict[str, int] = {}
    source = OfficeWorkbook(office)
    for sheet, rows in source.sheets():
        names = [column.name for column in sheet.columns]
        ws = workbook.create_sheet(sheet.name)
        ws.append(names)
        count = 0
        for row in rows:
            ws.append([_text_cell(ws, _cell(row.get(name))) for name in names])
            count += 1
        counts[sheet.name] = count
    workbook.save(out)
    return counts
