"""The import format, in one place: the sheets of an office workbook, in the order they are loaded,
and their columns. docs/import-format.md, the template (`wholejourney export-template`), the
reader, the checks and the loader all read this module.

Column names are stable English names; where the IOM Human Trafficking Case Data Standard (HTCDS 2.0)
has a field for the same thing, its name (prs_Gender, prs_Birthdate, cas_IncomingReferralDate, …).
Rows refer to each other by the organisation's own ids (`client_ref`, `case_ref`, …).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wholejourney.care.models import (
    Domain,
    EducationLevel,
    EducationSupport,
    LegalCase,
    LegalMilestone,
    Modality,
    SessionFormat,
    TfCbtComponent,
    Training,
    TreatmentPlan,
    Visit,
)
from wholejourney.cases.models import (
    CaseStatus,
    ClosureReason,
    Referral,
    ReferralOutcome,
    ServiceAsked,
    TraffickingSubtype,
    Urgency,
)
from wholejourney.clients.models import ConsentHow, ConsentKind, Gender, Sex
from wholejourney.options.selectors import LiveChoices
from wholejourney.outcomes.instruments import ITEMS
from wholejourney.outcomes.models import CrisisEvent
from wholejourney.partners.models import Agreement
from wholejourney.programmes.models import (
    ActivityKind,
    AgeBand,
    Campaign,
    Donation,
    ExternalMeeting,
    GroupStatusPeriod,
    ParticipantGroup,
    PlanTopic,
    PublicEvent,
    TrainingTopic,
)

# Kinds of column: how a cell is read and checked.
TEXT, REF, LINK, DATE, INT, DECIMAL, BOOL, CHOICE, MULTI, LIST = (
    "text", "ref", "link", "date", "int", "decimal", "bool", "choice", "multi", "list",
)  # fmt: skip

MAX_REF = 64
# Excel's own limit for a cell; anything longer is refused before it is looked at.
MAX_CELL = 32767


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    help: str | Promise
    required: bool = False
    max_length: int | None = None
    choices: Sequence[tuple[str, Any]] = ()
    links_to: str = ""  # the sheet a LINK column refers to
    identifying: bool = False  # encrypted on the way in
    example: str = ""
    low: Any = None
    high: Any = None


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str | Promise
    help: str | Promise
    columns: tuple[Column, ...]
    key: str  # the column holding the organisation's id of the row
    part: str = "casework"  # casework | care | outcomes | programmes
    examples: tuple[tuple[str, ...], ...] = field(default=())

    @property
    def by_name(self) -> dict[str, Column]:
        return {column.name: column for column in self.columns}

    @property
    def links(self) -> list[Column]:
        return [column for column in self.columns if column.kind == LINK]


def _ref(name: str, what: str | Promise) -> Column:
    return Column(name, REF, what, required=True, max_length=MAX_REF)


def _link(name: str, sheet: str, what: str | Promise, required: bool = True) -> Column:
    return Column(name, LINK, what, required=required, max_length=MAX_REF, links_to=sheet)


def _date(name: str, what: str | Promise, required: bool = True) -> Column:
    return Column(name, DATE, what, required=required)


def _choice(name: str, choices: Sequence[tuple[str, Any]], what: str | Promise, required: bool = True) -> Column:
    return Column(name, CHOICE, what, required=required, choices=choices)


def _text(name: str, what: str | Promise, max_length: int = 200, identifying: bool = False) -> Column:
    return Column(name, TEXT, what, max_length=max_length, identifying=identifying)


NOTE = _("Notes, in your own words. Encrypted.")
CASE_LINK = _link("case_ref", "cases", _("The case this record belongs to (its case_ref on the cases sheet)."))
ANSWERS = tuple(
    Column(f"q_{code}", INT, _("Score of this question of the four-domain form, from 1 to 4."), True, low=1, high=4)
    for _domain, code, _en, _km in ITEMS
)

SHEETS: tuple[Sheet, ...] = (
    # --- casework ------------------------------------------------------------------------------
    Sheet(
        "partners",
        _("Partner organisations"),
        _("One row per organisation that refers, trains, employs or works beside you."),
        (
            _ref("partner_ref", _("Your id for the organisation.")),
            Column("org_Name", TEXT, _("Its name, unique in the office."), required=True, max_length=200),
            # The built-in kinds and those administrators added (wholejourney.options), read when used.
            _choice("org_Type", LiveChoices("partner_kind"), _("What kind of organisation it is.")),
            _text("org_ShippingState", _("Province."), 100),
            Column("is_active", BOOL, _("Still a partner: yes or no (yes if empty).")),
        ),
        key="partner_ref",
    ),
    Sheet(
        "partnerships",
        _("Partnership periods"),
        _("When each organisation was an active partner; leave active_to empty while it still is."),
        (
            _ref("partnership_ref", _("Your id for the period.")),
            _link("partner_ref", "partners", _("The organisation.")),
            _date("active_from", _("First day of the partnership.")),
            _date("active_to", _("Last day, or empty."), required=False),
        ),
        key="partnership_ref",
    ),
    Sheet(
        "agreements",
        _("Partnership agreements"),
        _("Signed agreements with partners (the documents themselves are attached in the app)."),
        (
            _ref("agreement_ref", _("Your id for the agreement.")),
            _link("partner_ref", "partners", _("The organisation.")),
            _choice("kind", Agreement.Kind.choices, _("Kind of agreement.")),
            _date("signed_on", _("Day it was signed.")),
            _date("start", _("First day it applies.")),
            _date("end", _("Last day it applies, or empty."), required=False),
            _text("signatory", _("The partner's signatory. Encrypted."), 120, identifying=True),
        ),
        key="agreement_ref",
    ),
    Sheet(
        "clients",
        _("Clients"),
        _("One row per survivor. Give at least one name, in Khmer or in Latin script."),
        (
            _ref("client_ref", _("Your id for the client: never a name or an identity number.")),
            _text("prs_FirstName", _("Given name in Latin script. Encrypted."), 120, identifying=True),
            _text("prs_SecondName", _("Family name in Latin script. Encrypted."), 120, identifying=True),
            _text("given_name_km", _("Given name in Khmer. Encrypted."), 120, identifying=True),
            _text("family_name_km", _("Family name in Khmer. Encrypted."), 120, identifying=True),
            Column("aliases", LIST, _("Other names, separated by ‘;’. Encrypted."), max_length=2000, identifying=True),
            Column("prs_Birthdate", DATE, _("Date of birth. Encrypted."), identifying=True),
            Column("birth_year", INT, _("Year of birth, when the date is not known."), low=1900),
            Column("birth_year_estimated", BOOL, _("Whether the year of birth is an estimate: yes or no.")),
            _choice("sex", Sex.choices, _("Sex."), required=False),
            _choice("prs_Gender", Gender.choices, _("Gender, with the HTCDS values."), required=False),
            Column("prs_Citizenship", TEXT, _("Citizenship, a two-letter country code (KH)."), max_length=2),
            Column("prs_PrimaryLanguage", TEXT, _("Primary language, a language code (km)."), max_length=8),
            Column("prs_SecondaryLanguage", TEXT, _("Secondary language, a language code."), max_length=8),
            Column(
                "prs_MobilePhone",
                LIST,
                _("Phone numbers, separated by ‘;’. Encrypted."),
                max_length=400,
                identifying=True,
            ),
            _text("prs_IdentityNumber", _("Identity card number. Encrypted."), 80, identifying=True),
            _text("address_village", _("Village. Encrypted."), 80, identifying=True),
            _text("address_commune", _("Commune. Encrypted."), 80, identifying=True),
            _text("address_district", _("District. Encrypted."), 80, identifying=True),
            _text("prs_MailingState", _("Province. Encrypted."), 80, identifying=True),
            _date("registered_on", _("Day the client was registered (today if empty)."), required=False),
        ),
        key="client_ref",
    ),
    Sheet(
        "consents",
        _("Consent"),
        _(
            "What each client agreed to, and when: to receive services, to share information with a named "
            "partner, to tell their story under a pseudonym. A child's consent names the guardian who gave it. "
            "A withdrawn consent keeps its row, with the day it was withdrawn."
        ),
        (
            _ref("consent_ref", _("Your id for the consent.")),
            _link("client_ref", "clients", _("The client.")),
            _choice("kind", ConsentKind.choices, _("What the client agreed to.")),
            _link("partner_ref", "partners", _("For sharing: the partner the information may go to."), required=False),
            _date("given_on", _("Day the consent was given.")),
            _choice("how_given", ConsentHow.choices, _("How it was given."), required=False),
            _text("pseudonym", _("For a story: the name it is told under. Encrypted."), 80, identifying=True),
            _text("guardian_name", _("For a child: the guardian who gave consent. Encrypted."), 120, identifying=True),
            _text("guardian_relation", _("What the guardian is to the child (mother, aunt). Encrypted."), 60, True),
            _date("withdrawn_on", _("Day it was withdrawn, or empty while it is in force."), required=False),
        ),
        key="consent_ref",
    ),
    Sheet(
        "referrals",
        _("Referrals"),
        _("Referrals into your care (incoming) and from you to partners (outgoing)."),
        (
            _ref("referral_ref", _("Your id for the referral.")),
            _choice(
                "direction", Referral.Direction.choices, _("incoming or outgoing (incoming if empty)."), required=False
            ),
            _choice(
                "source", LiveChoices("referral_source"), _("Who referred (organisation if empty)."), required=False
            ),
            _link(
                "cas_ReferringOrganisation",
                "partners",
                _("The partner that referred the person, or that we referred to (its partner_ref)."),
                required=False,
            ),
            _date("cas_IncomingReferralDate", _("Day of the referral.")),
            _choice("urgency", Urgency.choices, _("Urgency (normal if empty)."), required=False),
            _text("cas_IncomingReferralDetails", _("Reason for the referral. Encrypted."), 4000, identifying=True),
            _text("person_name", _("The referred person's name as the referrer gave it. Encrypted."), 200, True),
            _choice("status", Referral.Status.choices, _("Where the referral stands.")),
            _link("client_ref", "clients", _("The client, once known (required for outgoing)."), required=False),
            _text("decision_note", _("Reason for the decision. Encrypted."), 4000, identifying=True),
            _choice("service_asked", ServiceAsked.choices, _("Outgoing: the service asked for."), required=False),
            _choice("outcome", ReferralOutcome.choices, _("Outgoing: what the partner reported."), required=False),
            _text("outcome_note", _("Outgoing: what the partner provided. Encrypted."), 4000, identifying=True),
        ),
        key="referral_ref",
    ),
    Sheet(
        "cases",
        _("Cases"),
        _("One row per episode of care. A client has at most one case open at a time."),
        (
            _ref("case_ref", _("Your id for the case.")),
            _link("client_ref", "clients", _("The client.")),
            _date("opened_on", _("Day the case opened.")),
            _link("referral_ref", "referrals", _("The incoming referral that opened it, if any."), required=False),
            _choice("primary_abuse_type", LiveChoices("abuse_type"), _("Primary abuse type.")),
            _choice(
                "trafficking_subtype",
                TraffickingSubtype.choices,
                _("Kind of trafficking, for human trafficking only."),
                required=False,
            ),
            Column(
                "vic_TypeOfExploitation", LIST, _("HTCDS types of exploitation, separated by ‘;’."), max_length=1000
            ),
            Column("vic_MethodsOfControl", LIST, _("HTCDS means of control, separated by ‘;’."), max_length=1000),
            Column("vic_MethodOfRecruitment", TEXT, _("HTCDS method of recruitment."), max_length=64),
            Column(
                "countries", LIST, _("Countries of exploitation, two-letter codes separated by ‘;’."), max_length=200
            ),
            _text("summary", _("What happened, in the case manager's words. Encrypted."), 20000, identifying=True),
            _choice("cas_Status", CaseStatus.choices, _("open, follow_up or closed (open if empty)."), required=False),
            _date("closed_on", _("Day the case closed (closed cases only)."), required=False),
            _choice("closure_reason", ClosureReason.choices, _("Why it closed (closed cases only)."), required=False),
            _text("cas_CaseOwner", _("Username of the case manager, if they have an account."), 150),
            _text("team", _("Name of the team whose caseload the client is in."), 120),
        ),
        key="case_ref",
    ),
    Sheet(
        "foster_families",
        _("Foster families"),
        _("Families who foster children; placements in foster care name one."),
        (
            _ref("foster_family_ref", _("Your id for the family.")),
            Column("name", TEXT, _("Family name. Encrypted."), required=True, max_length=200, identifying=True),
            _text("phone", _("Phone. Encrypted."), 40, identifying=True),
            _date("approved_on", _("Day the family was approved."), required=False),
        ),
        key="foster_family_ref",
    ),
    Sheet(
        "placements",
        _("Placements"),
        _("Where the client lived, from start until end (the day they moved out). Periods never overlap."),
        (
            _ref("placement_ref", _("Your id for the placement.")),
            CASE_LINK,
            _choice("kind", LiveChoices("placement_kind"), _("Where the client lived.")),
            _date("start", _("First day.")),
            _date("end", _("The day they moved out, or empty."), required=False),
            _link("foster_family_ref", "foster_families", _("The foster family (foster care)."), required=False),
            _link("partner_ref", "partners", _("The organisation (another organisation's shelter)."), required=False),
        ),
        key="placement_ref",
    ),
    # --- care ----------------------------------------------------------------------------------
    Sheet(
        "legal_services",
        _("Legal services"),
        _("Legal advice, accompaniment and documents obtained."),
        (
            _ref("service_ref", _("Your id for the service.")),
            CASE_LINK,
            _choice("kind", LiveChoices("legal_service_kind"), _("The service.")),
            _date("provided_on", _("Day.")),
            _text("note", NOTE, 4000, identifying=True),
        ),
        key="service_ref",
        part="care",
    ),
    Sheet(
        "legal_cases",
        _("Legal cases"),
        _("Criminal and civil court cases."),
        (
            _ref("legal_case_ref", _("Your id for the court case.")),
            CASE_LINK,
            _choice("kind", LegalCase.Kind.choices, _("Criminal or civil.")),
            _text("court", _("Court."), 120),
            _text("case_number", _("The court's case number. Encrypted."), 80, identifying=True),
            _text("accused_role", _("The accused, as a role (employer, broker, relative)."), 80),
            _text("accused_name", _("Name of the accused, only when needed. Encrypted."), 120, identifying=True),
            _date("opened_on", _("Day it opened.")),
            _date("ended_on", _("Day it ended, or empty."), required=False),
            _choice("end", LegalCase.End.choices, _("How it ended (with ended_on)."), required=False),
        ),
        key="legal_case_ref",
        part="care",
    ),
    Sheet(
        "legal_milestones",
        _("Court milestones"),
        _("Complaints, hearings, verdicts and appeals of a legal case."),
        (
            _ref("milestone_ref", _("Your id for the milestone.")),
            _link("legal_case_ref", "legal_cases", _("The legal case.")),
            _choice("kind", LegalMilestone.Kind.choices, _("The milestone.")),
            _date("happened_on", _("Day.")),
            _choice("outcome", LegalMilestone.Outcome.choices, _("Outcome of a verdict."), required=False),
            _text("note", NOTE, 4000, identifying=True),
        ),
        key="milestone_ref",
        part="care",
    ),
    Sheet(
        "education",
        _("Education support"),
        _("School enrolment, fees, materials and tutoring."),
        (
            _ref("support_ref", _("Your id for the support.")),
            CASE_LINK,
            _choice("level", EducationLevel.choices, _("Level.")),
            _choice("kind", EducationSupport.Kind.choices, _("Support.")),
            _date("provided_on", _("Day.")),
            _text("school_year", _("School year, e.g. 2023-2024."), 9),
            _text("outcome", _("Outcome."), 200),
        ),
        key="support_ref",
        part="care",
    ),
    Sheet(
        "economic_services",
        _("Economic empowerment services"),
        _("Career advice and coaching, business plans, grants and follow-up."),
        (
            _ref("service_ref", _("Your id for the service.")),
            CASE_LINK,
            _choice("kind", LiveChoices("economic_service_kind"), _("The service.")),
            _date("provided_on", _("Day.")),
            Column("amount", DECIMAL, _("Amount in the office currency."), low=0, high=10**10),
            Column("amount_usd", DECIMAL, _("Amount in US dollars."), low=0, high=10**8),
            _text("note", NOTE, 4000, identifying=True),
        ),
        key="service_ref",
        part="care",
    ),
    Sheet(
        "trainings",
        _("Vocational and on-the-job training"),
        _("Trainings a client took; on-the-job training names the business partner."),
        (
            _ref("training_ref", _("Your id for the training.")),
            CASE_LINK,
            _choice("kind", Training.Kind.choices, _("Training.")),
            _link("partner_ref", "partners", _("Where (required for on-the-job training)."), required=False),
            _text("trade", _("Trade."), 120),
            _date("start", _("First day.")),
            _date("end", _("Last day, or empty."), required=False),
            _date("completed_on", _("Day it was completed, or empty."), required=False),
        ),
        key="training_ref",
        part="care",
    ),
    Sheet(
        "stipends",
        _("Stipends"),
        _("Money paid during on-the-job training."),
        (
            _ref("stipend_ref", _("Your id for the payment.")),
            _link("training_ref", "trainings", _("The on-the-job training.")),
            _date("paid_on", _("Day paid.")),
            Column("amount", DECIMAL, _("Amount in the office currency."), required=True, low=0, high=10**10),
            Column("amount_usd", DECIMAL, _("Amount in US dollars."), required=True, low=0, high=10**8),
        ),
        key="stipend_ref",
        part="care",
    ),
    Sheet(
        "employment",
        _("Employment"),
        _("Jobs clients held."),
        (
            _ref("employment_ref", _("Your id for the job.")),
            CASE_LINK,
            _link("partner_ref", "partners", _("The employer, if a partner."), required=False),
            _text("employer_name", _("The employer, if not a partner. Encrypted."), 200, identifying=True),
            Column("work", TEXT, _("Kind of work."), required=True, max_length=120),
            _date("start", _("First day.")),
            _date("end", _("Last day, or empty."), required=False),
            _link("training_ref", "trainings", _("The training this job followed, if any."), required=False),
        ),
        key="employment_ref",
        part="care",
    ),
    Sheet(
        "visits",
        _("Visits and follow-up"),
        _("Home visits and follow-up in person or by phone."),
        (
            _ref("visit_ref", _("Your id for the visit.")),
            CASE_LINK,
            _choice("mode", Visit.Mode.choices, _("Kind of visit.")),
            _date("visited_on", _("Day.")),
            _date("next_visit_on", _("Next visit planned, or empty."), required=False),
            _text("note", NOTE, 4000, identifying=True),
        ),
        key="visit_ref",
        part="care",
    ),
    Sheet(
        "counseling_sessions",
        _("Counseling sessions"),
        _(
            "One row per session, individual or with several clients (a group session is one row); who "
            "attended is on the counseling_attendance sheet."
        ),
        (
            _ref("session_ref", _("Your id for the session.")),
            _date("held_on", _("Day.")),
            _choice(
                "format", SessionFormat.choices, _("individual, group or family (individual if empty)."), required=False
            ),
            _choice("modality", Modality.choices, _("Approach (TF-CBT if empty)."), required=False),
            Column("duration_minutes", INT, _("Length in minutes, 1 to 600 (60 if empty)."), low=1, high=600),
            _text("counselor", _("Username of the counselor, if they have an account (the importer if empty)."), 150),
            _text("group_note", _("Notes on the group as a whole. Encrypted."), 8000, identifying=True),
        ),
        key="session_ref",
        part="care",
    ),
    Sheet(
        "counseling_attendance",
        _("Counseling attendance"),
        _("Who attended each counseling session: one row per client and session, with the client's own notes."),
        (
            _ref("attendance_ref", _("Your id for the row.")),
            _link("session_ref", "counseling_sessions", _("The session.")),
            CASE_LINK,
            _text("note", _("The client's session notes. Encrypted."), 8000, identifying=True),
        ),
        key="attendance_ref",
        part="care",
    ),
    Sheet(
        "treatment_plans",
        _("Counseling treatment plans"),
        _(
            "TF-CBT treatment plans: the components planned and done, and how the plan ended (counseling "
            "closure is a plan completed with its goals met)."
        ),
        (
            _ref("plan_ref", _("Your id for the plan.")),
            CASE_LINK,
            _text("counselor", _("Username of the counselor, if they have an account (the importer if empty)."), 150),
            _date("started_on", _("Day it started.")),
            Column(
                "components",
                MULTI,
                _("TF-CBT components planned, separated by ‘;’."),
                max_length=1000,
                choices=TfCbtComponent.choices,
            ),
            Column(
                "components_done",
                MULTI,
                _("Components completed, separated by ‘;’."),
                max_length=1000,
                choices=TfCbtComponent.choices,
            ),
            _choice(
                "status", TreatmentPlan.Status.choices, _("active, completed or discontinued (active if empty)."), False
            ),
            _date("spl_ActualEndDate", _("Day it ended (completed or discontinued plans only)."), required=False),
            Column("goals_met", BOOL, _("Its goals were met: yes or no (completed plans only; no if empty).")),
            _text("note", NOTE, 8000, identifying=True),
        ),
        key="plan_ref",
        part="care",
    ),
    # --- outcomes ------------------------------------------------------------------------------
    Sheet(
        "assessments",
        _("Assessments"),
        _(
            "Four-domain assessments: the score of each question of the current form; the domain scores are "
            "computed from them. The first assessment of a case is its baseline."
        ),
        (
            _ref("assessment_ref", _("Your id for the assessment.")),
            CASE_LINK,
            _date("assessed_on", _("Day.")),
            *ANSWERS,
            _text("note", NOTE, 4000),
        ),
        key="assessment_ref",
        part="outcomes",
    ),
    Sheet(
        "crises",
        _("Crises"),
        _("Crisis events; each resets the stability clock."),
        (
            _ref("crisis_ref", _("Your id for the crisis.")),
            CASE_LINK,
            _date("occurred_on", _("Day.")),
            Column("domains", MULTI, _("Domains it touched, separated by ‘;’."), required=True, choices=Domain.choices),
            _choice("severity", CrisisEvent.Severity.choices, _("Severity.")),
            Column("what_happened", TEXT, _("What happened. Encrypted."), required=True, max_length=8000),
            _text("response", _("Response taken. Encrypted."), 8000),
        ),
        key="crisis_ref",
        part="outcomes",
    ),
    Sheet(
        "surveys",
        _("Economic outcome surveys"),
        _("The two questions of the economic survey; either may be left empty."),
        (
            _ref("survey_ref", _("Your id for the survey.")),
            CASE_LINK,
            _date("surveyed_on", _("Day.")),
            Column("income_increased", BOOL, _("Household income increased since the last survey: yes or no.")),
            Column("income_covers_needs", BOOL, _("Income helps afford food, health care and education: yes or no.")),
        ),
        key="survey_ref",
        part="outcomes",
    ),
    # --- programmes ----------------------------------------------------------------------------
    Sheet(
        "participants",
        _("Participants"),
        _("People who take part in trainings, meetings and events (mostly not clients)."),
        (
            _ref("participant_ref", _("Your id for the person, the same on every sheet.")),
            _text("name", _("Name, optional. Encrypted."), 120, identifying=True),
            _text("phone", _("Phone, optional. Encrypted."), 40, identifying=True),
            _choice("sex", Sex.choices, _("Sex (unknown if empty)."), required=False),
            _choice("age_band", AgeBand.choices, _("Age group."), required=False),
            _text("province", _("Province."), 80),
            _text("commune", _("Commune."), 80),
            _text("village", _("Village."), 80),
            _choice("group", ParticipantGroup.choices, _("Participant group.")),
            _link("partner_ref", "partners", _("Their organisation, if a partner."), required=False),
        ),
        key="participant_ref",
        part="programmes",
    ),
    Sheet(
        "activities",
        _("Activities"),
        _("Trainings, meetings, workshops and events people attend."),
        (
            _ref("activity_ref", _("Your id for the activity.")),
            _choice("kind", ActivityKind.choices, _("Kind of activity.")),
            _choice("topic", TrainingTopic.choices, _("Topic."), required=False),
            _date("held_on", _("Day.")),
            _text("place", _("Place."), 120),
        ),
        key="activity_ref",
        part="programmes",
    ),
    Sheet(
        "attendance",
        _("Attendance"),
        _("Who attended which activity, with test scores for trainings that have them."),
        (
            _ref("attendance_ref", _("Your id for the row.")),
            _link("activity_ref", "activities", _("The activity.")),
            _link("participant_ref", "participants", _("The participant.")),
            Column("pre_test", DECIMAL, _("Pre-test score, 0 to 100."), low=0, high=100),
            Column("post_test", DECIMAL, _("Post-test score, 0 to 100."), low=0, high=100),
        ),
        key="attendance_ref",
        part="programmes",
    ),
    Sheet(
        "community_groups",
        _("Community-based groups"),
        _("Community-based groups of the prevention programme; their status over time is on group_statuses."),
        (
            _ref("group_ref", _("Your id for the group.")),
            Column("name", TEXT, _("Name of the group."), required=True, max_length=120),
            Column("province", TEXT, _("Province."), required=True, max_length=80),
            _text("district", _("District."), 80),
            _text("commune", _("Commune."), 80),
            _text("village", _("Village."), 80),
            Column(
                "leaders",
                LIST,
                _("The group's leaders: their participant_ref on the participants sheet, separated by ‘;’."),
                max_length=2000,
            ),
        ),
        key="group_ref",
        part="programmes",
    ),
    Sheet(
        "group_statuses",
        _("Community group status"),
        _("When each group was active or inactive; periods of a group do not overlap, the current one has no end."),
        (
            _ref("status_ref", _("Your id for the period.")),
            _link("group_ref", "community_groups", _("The group.")),
            _choice("status", GroupStatusPeriod.Status.choices, _("active or inactive.")),
            _date("start", _("First day.")),
            _date("end", _("Last day, or empty."), required=False),
        ),
        key="status_ref",
        part="programmes",
    ),
    Sheet(
        "group_plan_actions",
        _("Community group plans"),
        _("The actions of each group's yearly plan, and when each was completed."),
        (
            _ref("action_ref", _("Your id for the action.")),
            _link("group_ref", "community_groups", _("The group.")),
            Column("year", INT, _("Year of the plan (the year of planned_on if empty)."), low=1900, high=2100),
            _choice("topic", PlanTopic.choices, _("Topic.")),
            _date("planned_on", _("Day the action is planned for.")),
            _date("completed_on", _("Day it was completed, or empty."), required=False),
        ),
        key="action_ref",
        part="programmes",
    ),
    Sheet(
        "husband_wife_groups",
        _("Good husband-wife groups"),
        _("Couples in the good husband-wife programme, known by a label, never by name."),
        (
            _ref("hw_group_ref", _("Your id for the couple.")),
            Column("label", TEXT, _("Label, unique in the office (never the couple's names)."), True, max_length=40),
            _text("village", _("Village."), 80),
        ),
        key="hw_group_ref",
        part="programmes",
    ),
    Sheet(
        "hw_group_attendance",
        _("Reflection meeting attendance"),
        _("Which husband-wife groups took part in which reflection meeting (an activity of kind reflection_meeting)."),
        (
            _ref("hw_attendance_ref", _("Your id for the row.")),
            _link("activity_ref", "activities", _("The reflection meeting.")),
            _link("hw_group_ref", "husband_wife_groups", _("The husband-wife group.")),
        ),
        key="hw_attendance_ref",
        part="programmes",
    ),
    Sheet(
        "campaigns",
        _("Campaigns"),
        _("Awareness and education campaigns: they reach people without registering them, so reach is counted."),
        (
            _ref("campaign_ref", _("Your id for the campaign.")),
            _choice("kind", Campaign.Kind.choices, _("Kind of campaign.")),
            Column("topics", LIST, _("Topics, separated by ‘;’."), max_length=1000),
            _date("held_on", _("Day.")),
            _text("place", _("Place."), 120),
            Column("adults_female", INT, _("Women reached."), low=0, high=10**9),
            Column("adults_male", INT, _("Men reached."), low=0, high=10**9),
            Column("children_female", INT, _("Girls reached."), low=0, high=10**9),
            Column("children_male", INT, _("Boys reached."), low=0, high=10**9),
        ),
        key="campaign_ref",
        part="programmes",
    ),
    Sheet(
        "external_meetings",
        _("External meetings"),
        _("Network and reflection meetings of other organisations that staff attended."),
        (
            _ref("meeting_ref", _("Your id for the meeting.")),
            _choice("kind", ExternalMeeting.Kind.choices, _("Kind of meeting.")),
            _date("held_on", _("Day.")),
            Column("attended_by", LIST, _("Usernames of the staff who attended, separated by ‘;’."), max_length=2000),
            _text("notes", _("Notes. Encrypted."), 8000, identifying=True),
        ),
        key="meeting_ref",
        part="programmes",
    ),
    Sheet(
        "donations",
        _("Donations"),
        _("Books and materials donated to partner organisations."),
        (
            _ref("donation_ref", _("Your id for the donation.")),
            _choice("item", Donation.Item.choices, _("What was donated.")),
            _text("description", _("Description."), 200),
            Column("copies", INT, _("Number of copies or items."), required=True, low=1, high=10**9),
            _link("partner_ref", "partners", _("The organisation that received it.")),
            _date("donated_on", _("Day.")),
        ),
        key="donation_ref",
        part="programmes",
    ),
    Sheet(
        "public_events",
        _("Public events"),
        _("Events open to the public, such as World Mental Health Day, with the attendance reported."),
        (
            _ref("event_ref", _("Your id for the event.")),
            _choice("kind", PublicEvent.Kind.choices, _("Kind of event.")),
            Column("name", TEXT, _("Name of the event."), required=True, max_length=200),
            _date("held_on", _("Day.")),
            Column("reported_attendance", INT, _("Attendance reported."), required=True, low=0, high=10**9),
        ),
        key="event_ref",
        part="programmes",
    ),
)

SHEET_BY_NAME: dict[str, Sheet] = {sheet.name: sheet for sheet in SHEETS}
# Sheets that other sheets refer to: their row ids are remembered while a workbook is read.
REFERENCED = frozenset(column.links_to for sheet in SHEETS for column in sheet.links)
