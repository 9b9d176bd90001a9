"""What staff do for each survivor: care plans, counseling, legal and court support, education,
economic empowerment and follow-up visits. Each record belongs to a client's case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wholejourney.cases.models import Case
from wholejourney.clients.models import Client
from wholejourney.core.correctable import Voidable
from wholejourney.core.fields import EncryptedCharField, EncryptedModel, EncryptedTextField
from wholejourney.core.models import DataKey, Office
from wholejourney.partners.models import Organisation


class Domain(models.TextChoices):
    """The four domains of wholeness."""

    PROTECTION = "protection", _("Protection")
    WELLBEING = "wellbeing", _("Personal well-being")
    ECONOMIC = "economic", _("Economic empowerment")
    SOCIAL = "social", _("Social capital / integration")


class ClientRecord(Voidable, EncryptedModel):
    """A record about one client within one of their cases; encrypted under the client's key."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def encryption_data_key(self) -> DataKey:
        return self.client.data_key

    @property
    def office_id(self) -> int:  # what has_permission checks first
        return self.client.office_id


# --- care plans ------------------------------------------------------------------------------


class CarePlan(Voidable, EncryptedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="care_plans")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="care_plans")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_on = models.DateField(_("drafted on"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_on = models.DateField(null=True, blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)

    class Privacy:
        plain = [
            "id",
            "row_id",
            "case",
            "client",
            "status",
            "drafted_by",
            "drafted_on",
            "approved_by",
            "approved_on",
            "next_review_on",
        ]

    class Meta:
        ordering = ["-drafted_on"]
        indexes = [models.Index(fields=["next_review_on"], name="careplan_review_idx")]

    def __str__(self) -> str:
        return f"care plan {self.pk} ({self.status})"

    def encryption_data_key(self) -> DataKey:
        return self.client.data_key


class CarePlanGoal(Voidable, EncryptedModel):
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(_("domain"), max_length=16, choices=Domain.choices)
    goal = EncryptedTextField(_("goal"))
    interventions = EncryptedTextField(_("planned interventions"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)

    class Privacy:
        identifying = ["goal", "interventions"]
        plain = ["id", "row_id", "plan", "domain", "responsible", "target_date"]

    def __str__(self) -> str:
        return f"{self.domain} goal of plan {self.plan_id}"

    def encryption_data_key(self) -> DataKey:
        return self.plan.client.data_key


class CarePlanReview(Voidable, EncryptedModel):
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField(_("reviewed on"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = EncryptedTextField(_("what changed"), blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)

    class Privacy:
        identifying = ["note"]
        plain = ["id", "row_id", "plan", "reviewed_on", "reviewed_by", "next_review_on"]

    def __str__(self) -> str:
        return f"review of plan {self.plan_id} on {self.reviewed_on}"

    def encryption_data_key(self) -> DataKey:
        return self.plan.client.data_key


# --- counseling ------------------------------------------------------------------------------


class SessionFormat(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    GROUP = "group", _("Group")
    FAMILY = "family", _("Family")


class Modality(models.TextChoices):
    TF_CBT = "tf_cbt", _("TF-CBT")
    OTHER = "other", _("Other")


class CounselingSession(Voidable, EncryptedModel):
    """One session, individual or with several clients; each attendee has their own notes."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("minutes"), default=60)
    format = models.CharField(
        _("session"), max_length=16, choices=SessionFormat.choices, default=SessionFormat.INDIVIDUAL
    )
    modality = models.CharField(_("approach"), max_length=16, choices=Modality.choices, default=Modality.TF_CBT)
    counselor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Notes about the group as a whole; each attendee's own notes are on their attendance.
    group_note = EncryptedTextField(_("notes on the group"), blank=True)

    class Privacy:
        sensitive = ["group_note"]
        plain = ["id", "row_id", "office", "held_on", "duration_minutes", "format", "modality", "counselor"]

    class Meta:
        ordering = ["-held_on", "-pk"]
        # No index on the day alone: PostgreSQL would walk it backwards for a client's newest
        # sessions (the timeline) instead of reading that client's attendance.
        indexes = [models.Index(fields=["office", "held_on"], name="counseling_office_day_idx")]
        constraints = [models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="session_has_duration")]

    def __str__(self) -> str:
        return f"{self.format} session {self.held_on}"


class SessionAttendance(ClientRecord):
    session = models.ForeignKey(CounselingSession, on_delete=models.CASCADE, related_name="attendances")
    note = EncryptedTextField(_("session notes"), blank=True)

    class Privacy:
        sensitive = ["note"]
        plain = ["id", "row_id", "client", "case", "recorded_by", "session"]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "client"], name="attendance_once_per_session")]
        indexes = [models.Index(fields=["client"], name="attendance_client_idx")]

    def __str__(self) -> str:
        return f"client {self.client_id} at session {self.session_id}"


class TfCbtComponent(models.TextChoices):
    PSYCHOEDUCATION = "psychoeducation", _("Psychoeducation")
    PARENTING = "parenting", _("Parenting skills")
    RELAXATION = "relaxation", _("Relaxation")
    AFFECT = "affect", _("Affective modulation")
    COGNITIVE = "cognitive", _("Cognitive coping")
    NARRATIVE = "narrative", _("Trauma narrative and processing")
    IN_VIVO = "in_vivo", _("In vivo mastery")
    CONJOINT = "conjoint", _("Conjoint sessions")
    SAFETY = "safety", _("Enhancing safety")


class TreatmentPlan(ClientRecord):
    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        COMPLETED = "completed", _("Completed")
        DISCONTINUED = "discontinued", _("Discontinued")

    counselor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("started on"))
    components = models.JSONField(_("TF-CBT components"), default=list, blank=True)
    components_done = models.JSONField(_("components completed"), default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    goals_met = models.BooleanField(_("goals met"), default=False)
    note = EncryptedTextField(_("notes"), blank=True)

    class Privacy:
        sensitive = ["note"]
        plain = [
            "id", "row_id", "client", "case", "recorded_by", "counselor", "started_on", "components", "components_done",
            "status", "ended_on", "goals_met",
        ]  # fmt: skip

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active", ended_on__isnull=True)
                | (~Q(status="active") & Q(ended_on__gte=F("started_on"))),
                name="treatment_end_matches_status",
            )
        ]

    def __str__(self) -> str:
        return f"treatment plan of client {self.client_id}"


# --- legal and protection --------------------------------------------------------------------


class LegalServiceKind(models.TextChoices):
    ADVICE = "advice", _("Legal advice")
    POLICE = "police", _("Accompaniment to the police")
    COURT = "court", _("Accompaniment to court")
    ID_CARD = "id_card", _("Identity card obtained")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate obtained")
    PROTECTION = "protection", _("Protection measure")
    IDENTIFICATION = "identification", _("Victim-identification support")
    OTHER = "other", _("Other")


class LegalService(ClientRecord):
    kind = models.CharField(_("service"), max_length=24, choices=LegalServiceKind.choices)
    # An option administrators added to the kinds (wholejourney.options); `kind` is its category.
    kind_option = models.CharField(_("service (added option)"), max_length=32, blank=True)
    provided_on = models.DateField(_("date"))
    note = EncryptedTextField(_("notes"), blank=True)

    class Privacy:
        identifying = ["note"]
        plain = ["id", "row_id", "client", "case", "recorded_by", "kind", "kind_option", "provided_on"]

    class Meta:
        indexes = [models.Index(fields=["client", "provided_on"], name="legalservice_client_day_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.provided_on}"


class LegalCase(ClientRecord):
    class Kind(models.TextChoices):
        CRIMINAL = "criminal", _("Criminal")
        CIVIL = "civil", _("Civil")

    class End(models.TextChoices):
        VERDICT_EXECUTED = "verdict_executed", _("Verdict executed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SETTLED = "settled", _("Settled")
        CLOSED = "closed", _("Closed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    court = models.CharField(_("court"), max_length=120, blank=True)
    case_number = EncryptedCharField(_("court case number"), max_length=80, blank=True)
    accused_role = models.CharField(
        _("the accused, as a role"), max_length=80, blank=True, help_text=_("For example: employer, broker, relative.")
    )
    accused_name = EncryptedCharField(_("name of the accused (only when needed)"), max_length=120, blank=True)
    opened_on = models.DateField(_("opened on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end = models.CharField(_("how it ended"), max_length=24, choices=End.choices, blank=True)

    class Privacy:
        identifying = ["case_number", "accused_name"]
        plain = [
            "id",
            "row_id",
            "client",
            "case",
            "recorded_by",
            "kind",
            "court",
            "accused_role",
            "opened_on",
            "ended_on",
            "end",
        ]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(end="")) | (Q(ended_on__gte=F("opened_on")) & ~Q(end="")),
                name="legalcase_end_has_date_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} legal case of client {self.client_id}"


class LegalMilestone(Voidable, EncryptedModel):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint filed")
        INVESTIGATION = "investigation", _("Investigation")
        HEARING = "hearing", _("Trial hearing")
        VERDICT = "verdict", _("Verdict")
        APPEAL = "appeal", _("Appeal")
        COMPENSATION = "compensation", _("Compensation")

    class Outcome(models.TextChoices):
        CONVICTED = "convicted", _("Convicted")
        ACQUITTED = "acquitted", _("Acquitted")
        OTHER = "other", _("Other")

    legal_case = models.ForeignKey(LegalCase, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("milestone"), max_length=16, choices=Kind.choices)
    happened_on = models.DateField(_("date"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    note = EncryptedTextField(_("notes"), blank=True)

    class Privacy:
        identifying = ["note"]
        plain = ["id", "row_id", "legal_case", "kind", "happened_on", "outcome"]

    class Meta:
        ordering = ["happened_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="verdict") | Q(outcome=""), name="milestone_outcome_only_for_verdict"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.happened_on}"

    def encryption_data_key(self) -> DataKey:
        return self.legal_case.client.data_key


# --- education -------------------------------------------------------------------------------


class EducationLevel(models.TextChoices):
    EARLY_CHILDHOOD = "early_childhood", _("Early childhood")
    PRIMARY = "primary", _("Primary")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary")
    UNIVERSITY = "university", _("University")
    NON_FORMAL = "non_formal", _("Non-formal / catch-up")
    LITERACY = "literacy", _("Literacy")


SCHOOL_LEVELS = frozenset(
    {EducationLevel.PRIMARY, EducationLevel.LOWER_SECONDARY, EducationLevel.UPPER_SECONDARY, EducationLevel.UNIVERSITY}
)


class EducationSupport(ClientRecord):
    class Kind(models.TextChoices):
        ENROLMENT = "enrolment", _("Enrolment")
        FEES = "fees", _("School fees")
        MATERIALS = "materials", _("Materials")
        TUTORING = "tutoring", _("Tutoring")

    level = models.CharField(_("level"), max_length=24, choices=EducationLevel.choices)
    kind = models.CharField(_("support"), max_length=16, choices=Kind.choices)
    provided_on = models.DateField(_("date"))
    school_year = models.CharField(_("school year"), max_length=9, blank=True, help_text=_("For example 2023-2024."))
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)

    class Privacy:
        plain = [
            "id",
            "row_id",
            "client",
            "case",
            "recorded_by",
            "level",
            "kind",
            "provided_on",
            "school_year",
            "outcome",
        ]

    class Meta:
        indexes = [models.Index(fields=["client", "provided_on"], name="education_client_day_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.level} {self.provided_on}"


# --- economic empowerment --------------------------------------------------------------------


class EconomicServiceKind(models.TextChoices):
    CAREER_ADVICE = "career_advice", _("Career advice (career pathway planning)")
    CAREER_COACHING = "career_coaching", _("Career coaching")
    BUSINESS_PLAN = "business_plan", _("Business plan")
    BUSINESS_GRANT = "business_grant", _("Small-business grant")
    BUSINESS_MATERIALS = "business_materials", _("Small-business materials")
    BUSINESS_SUPPORT_FOLLOW_UP = "business_support_follow_up", _("Small-business follow-up support")
    BUSINESS_COACHING = "business_coaching", _("Business coaching")
    BUSINESS_COACHING_FOLLOW_UP = "business_coaching_follow_up", _("Business follow-up session")


SMALL_BUSINESS_SUPPORT = frozenset(
    {
        EconomicServiceKind.BUSINESS_GRANT,
        EconomicServiceKind.BUSINESS_MATERIALS,
        EconomicServiceKind.BUSINESS_SUPPORT_FOLLOW_UP,
    }
)
BUSINESS_COACHING = frozenset({EconomicServiceKind.BUSINESS_COACHING, EconomicServiceKind.BUSINESS_COACHING_FOLLOW_UP})


class EconomicService(ClientRecord):
    kind = models.CharField(_("service"), max_length=32, choices=EconomicServiceKind.choices)
    # An option administrators added to the kinds (wholejourney.options); `kind` is its category.
    kind_option = models.CharField(_("service (added option)"), max_length=32, blank=True)
    provided_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    amount_usd = models.DecimalField(_("amount in USD"), max_digits=10, decimal_places=2, null=True, blank=True)
    note = EncryptedTextField(_("notes"), blank=True)

    class Privacy:
        identifying = ["note"]
        plain = [
            "id", "row_id", "client", "case", "recorded_by", "kind", "kind_option", "provided_on", "amount",
            "amount_usd",
        ]  # fmt: skip

    class Meta:
        indexes = [models.Index(fields=["client", "provided_on"], name="economic_client_day_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="economic_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_usd__isnull=True) | Q(amount_usd__gte=0), name="economic_usd_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.provided_on}"


class Training(ClientRecord):
    class Kind(models.TextChoices):
        VOCATIONAL = "vocational", _("Vocational training (TVET)")
        ON_THE_JOB = "on_the_job", _("On-the-job training at a business partner")

    kind = models.CharField(_("training"), max_length=16, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("where")
    )
    trade = models.CharField(_("trade"), max_length=120, blank=True)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Privacy:
        plain = [
            "id",
            "row_id",
            "client",
            "case",
            "recorded_by",
            "kind",
            "organisation",
            "trade",
            "start",
            "end",
            "completed_on",
        ]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="training_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("start")),
                name="training_completed_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(kind="on_the_job") | Q(organisation__isnull=False), name="on_the_job_names_business"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} training from {self.start}"


class Stipend(ClientRecord):
    """Money paid to a client during on-the-job training."""

    training = models.ForeignKey(Training, on_delete=models.PROTECT, related_name="stipends")
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    amount_usd = models.DecimalField(_("amount in USD"), max_digits=10, decimal_places=2)

    class Privacy:
        plain = ["id", "row_id", "client", "case", "recorded_by", "training", "paid_on", "amount", "amount_usd"]

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(amount_usd__gte=0), name="stipend_not_negative")
        ]

    def __str__(self) -> str:
        return f"stipend {self.paid_on}"


class Employment(ClientRecord):
    employer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("employer")
    )
    employer_name = EncryptedCharField(
        _("employer (if not a partner)"),
        max_length=200,
        blank=True,
        help_text=_("Small employers can point to where a survivor is."),
    )
    work = models.CharField(_("kind of work"), max_length=120)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    after_training = models.ForeignKey(
        Training,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name=_("job placement after"),
    )

    class Privacy:
        identifying = ["employer_name"]
        plain = ["id", "row_id", "client", "case", "recorded_by", "employer", "work", "start", "end", "after_training"]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="employment_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"employment from {self.start}"


# --- follow-up -------------------------------------------------------------------------------


class Visit(ClientRecord):
    class Mode(models.TextChoices):
        HOME = "home", _("Home visit")
        IN_PERSON = "in_person", _("Follow-up in person")
        PHONE = "phone", _("Follow-up by phone")

    mode = models.CharField(_("visit"), max_length=16, choices=Mode.choices)
    visited_on = models.DateField(_("date"))
    next_visit_on = models.DateField(_("next visit"), null=True, blank=True)
    note = EncryptedTextField(_("notes"), blank=True)

    class Privacy:
        identifying = ["note"]
        plain = ["id", "row_id", "client", "case", "recorded_by", "mode", "visited_on", "next_visit_on"]

    class Meta:
        indexes = [models.Index(fields=["client", "visited_on"], name="visit_client_day_idx")]

    def __str__(self) -> str:
        return f"{self.mode} {self.visited_on}"
