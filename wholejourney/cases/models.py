"""Cases, referrals and placements: a survivor's journey through care."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.clients.models import Client
from wholejourney.core.correctable import Versioned, Voidable
from wholejourney.core.fields import EncryptedJSONField, EncryptedModel, EncryptedTextField
from wholejourney.core.models import DataKey, Office
from wholejourney.partners.models import Organisation


class AbuseType(models.TextChoices):
    HUMAN_TRAFFICKING = "human_trafficking", _("Human trafficking, slavery or labour trafficking")
    SEXUAL_ABUSE = "sexual_abuse", _("Sexual abuse")
    DOMESTIC_VIOLENCE = "domestic_violence", _("Domestic violence")
    ONLINE_SEXUAL_EXPLOITATION = "online_sexual_exploitation", _("Online sexual abuse or exploitation")
    OTHER_ABUSE = "other_abuse", _("Other abuse")


class TraffickingSubtype(models.TextChoices):
    SEX = "sex", _("Sex trafficking")
    LABOUR = "labour", _("Labour trafficking")
    SLAVERY = "slavery", _("Slavery or servitude")
    FORCED_MARRIAGE = "forced_marriage", _("Forced marriage")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")


class ClosureReason(models.TextChoices):
    GOALS_ACHIEVED = "goals_achieved", _("Goals achieved (wholeness reached)")
    TRANSFERRED = "transferred", _("Transferred to another organisation")
    OFFICE_TRANSFER = "office_transfer", _("Transferred to another of our offices")
    MOVED_AWAY = "moved_away", _("Moved away")
    DECLINED_SERVICES = "declined_services", _("Declined further services")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other")


class Case(Versioned, EncryptedModel):
    """One episode of care for a client; a client may have several over the years."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="cases", verbose_name=_("office"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="cases", verbose_name=_("client"))
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="managed_cases"
    )
    opened_on = models.DateField(_("opened on"))
    referral = models.OneToOneField(
        "cases.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="opened_case"
    )
    primary_abuse_type = models.CharField(_("primary abuse type"), max_length=32, choices=AbuseType.choices)
    # An option administrators added to the abuse types (wholejourney.options); the field above is its category.
    primary_abuse_type_option = models.CharField(_("primary abuse type (added option)"), max_length=32, blank=True)
    trafficking_subtype = models.CharField(
        _("kind of trafficking"), max_length=24, choices=TraffickingSubtype.choices, blank=True
    )
    # IOM HTCDS detail, as lists of the standard's codes.
    exploitation_types = models.JSONField(_("types of exploitation"), default=list, blank=True)
    control_methods = models.JSONField(_("means of control"), default=list, blank=True)
    recruitment = models.CharField(_("recruitment"), max_length=64, blank=True)
    countries = models.JSONField(_("countries of exploitation"), default=list, blank=True)
    # What happened, in the case manager's words: identifying by nature.
    summary = EncryptedTextField(_("summary"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(_("closure reason"), max_length=24, choices=ClosureReason.choices, blank=True)

    class Privacy:
        identifying = ["summary"]
        plain = [
            "id", "row_id", "office", "client", "team", "case_manager", "opened_on", "referral",
            "primary_abuse_type", "primary_abuse_type_option", "trafficking_subtype", "exploitation_types", "control_methods", "recruitment",
            "countries", "status", "closed_on", "closure_reason",
        ]  # fmt: skip

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["office", "opened_on"], name="case_office_opened_idx"),
            models.Index(fields=["office", "closed_on"], name="case_office_closed_idx"),
            models.Index(fields=["client", "opened_on"], name="case_client_opened_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")), name="case_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=(Q(status="closed") & Q(closed_on__isnull=False) & ~Q(closure_reason=""))
                | (~Q(status="closed") & Q(closed_on__isnull=True)),
                name="case_closed_has_date_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(primary_abuse_type="human_trafficking") | Q(trafficking_subtype=""),
                name="case_subtype_only_for_trafficking",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client.code} · {self.opened_on:%Y-%m-%d}"

    def encryption_data_key(self) -> DataKey:
        return self.client.data_key


class ClosureRequest(EncryptedModel):
    """A case manager asks to close a case; the supervisor or director approves or returns it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="closure_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    closing_date = models.DateField(_("closing date"))
    reason = models.CharField(_("reason"), max_length=24, choices=ClosureReason.choices)
    note = EncryptedTextField(_("note"), blank=True)
    # "Goals achieved" before the stability clock shows the client whole: why the case manager
    # asks anyway. Empty means no override; the director sees it before deciding.
    clock_override_reason = EncryptedTextField(
        _("why close as goals achieved before the clock shows wholeness"), blank=True
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = EncryptedTextField(_("comment"), blank=True)

    class Privacy:
        sensitive = ["note", "comment", "clock_override_reason"]
        plain = [
            "id", "row_id", "case", "requested_by", "requested_at", "closing_date", "reason", "status", "decided_by",
            "decided_at",
        ]  # fmt: skip

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status="pending"), name="one_pending_closure_per_case")
        ]

    def __str__(self) -> str:
        return f"closure of case {self.case_id} ({self.status})"

    def encryption_data_key(self) -> DataKey:
        return self.case.client.data_key


class CaseReopening(EncryptedModel):
    """A closed case opened again: what it was closed as, and why it reopens."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reopenings")
    reopened_on = models.DateField()
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    previous_closed_on = models.DateField()
    previous_reason = models.CharField(max_length=24, choices=ClosureReason.choices)
    reason = EncryptedTextField(_("reason"))

    class Privacy:
        sensitive = ["reason"]
        plain = ["id", "row_id", "case", "reopened_on", "reopened_by", "previous_closed_on", "previous_reason"]

    def __str__(self) -> str:
        return f"reopening of case {self.case_id}"

    def encryption_data_key(self) -> DataKey:
        return self.case.client.data_key


class ReferralSource(models.TextChoices):
    ORGANISATION = "organisation", _("A partner organisation")
    COMMUNITY = "community", _("Community member")
    FAMILY = "family", _("Family")
    SELF = "self", _("Self-referral")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency (same day)")
    HIGH = "high", _("High (within a week)")
    NORMAL = "normal", _("Normal")


class ServiceAsked(models.TextChoices):
    """What an outgoing referral asks a partner for."""

    SHELTER = "shelter", _("Shelter")
    MEDICAL = "medical", _("Medical care")
    MENTAL_HEALTH = "mental_health", _("Mental health care")
    LEGAL = "legal", _("Legal aid")
    EDUCATION = "education", _("Education")
    VOCATIONAL = "vocational", _("Vocational training")
    LIVELIHOOD = "livelihood", _("Livelihood or employment")
    FAMILY = "family", _("Family tracing or reunification")
    OTHER = "other", _("Other")


class ReferralOutcome(models.TextChoices):
    """What a partner reports once it has served an outgoing referral."""

    PROVIDED = "provided", _("Service provided")
    PARTLY = "partly", _("Partly provided")
    NOT_PROVIDED = "not_provided", _("Not provided")


# How long a partner has to answer an outgoing referral, by urgency (then it shows as overdue).
ANSWER_DAYS = {Urgency.EMERGENCY: 0, Urgency.HIGH: 3, Urgency.NORMAL: 7}


class Referral(Versioned, EncryptedModel):
    """A referral into our care (incoming) or from us to a partner (outgoing)."""

    class Direction(models.TextChoices):
        INCOMING = "incoming", _("Incoming")
        OUTGOING = "outgoing", _("Outgoing")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, waiting for a decision")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="referrals")
    direction = models.CharField(max_length=16, choices=Direction.choices)
    source = models.CharField(
        _("source"), max_length=16, choices=ReferralSource.choices, default=ReferralSource.ORGANISATION
    )
    # An option administrators added to the sources (wholejourney.options); `source` is its category.
    source_option = models.CharField(_("source (added option)"), max_length=32, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("organisation"),
    )
    referred_on = models.DateField(_("date of referral"))
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    reason = EncryptedTextField(_("reason for referral"), blank=True)
    # The referred person as the referrer described them (name, age, phone, where): identifying.
    person = EncryptedJSONField(_("referred person"), default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    decision_note = EncryptedTextField(_("reason for the decision"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="submitted_referrals"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # An outgoing referral's loop: what it asks, by when the partner should answer, the partner's
    # answer, and later what the partner reports it provided.
    service_asked = models.CharField(_("service asked"), max_length=16, choices=ServiceAsked.choices, blank=True)
    answer_due_on = models.DateField(_("answer due"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReferralOutcome.choices, blank=True)
    outcome_note = EncryptedTextField(_("what was provided"), blank=True)
    outcome_reported_at = models.DateTimeField(null=True, blank=True)

    class Privacy:
        identifying = ["reason", "person", "decision_note", "outcome_note"]
        plain = [
            "id", "row_id", "office", "direction", "source", "source_option", "organisation", "referred_on", "urgency",
            "status", "decided_at", "decided_by", "client", "submitted_by", "created_at", "service_asked", "answer_due_on",
            "answered_by", "outcome", "outcome_reported_at",
        ]  # fmt: skip

    class Meta:
        ordering = ["-referred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source="organisation") | Q(organisation__isnull=False),
                name="referral_from_organisation_names_it",
            )
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} ({self.direction}, {self.status})"

    def encryption_data_key(self) -> DataKey | None:
        # Before it is linked to a client, a referral is under the master key; linking re-encrypts it.
        return self.client.data_key if self.client is not None else None


class PlacementKind(models.TextChoices):
    SHELTER = "shelter", _("Residential shelter (Home of Love)")
    FOSTER_CARE = "foster_care", _("Foster care")
    FAMILY = "family", _("Family")
    RELATIVES = "relatives", _("Relatives")
    COMMUNITY = "community", _("Community")
    INDEPENDENT = "independent", _("Independent living")
    OTHER_SHELTER = "other_shelter", _("Another organisation's shelter")


# A move out of one of these into one of the others is a reintegration. Another organisation's
# shelter counts as care too: survivors referred on to a partner's shelter reintegrate from there.
CARE_PLACEMENTS = frozenset({PlacementKind.SHELTER, PlacementKind.FOSTER_CARE, PlacementKind.OTHER_SHELTER})
HOME_PLACEMENTS = frozenset(
    {PlacementKind.FAMILY, PlacementKind.RELATIVES, PlacementKind.COMMUNITY, PlacementKind.INDEPENDENT}
)


class FosterFamily(EncryptedModel):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="foster_families")
    name = EncryptedTextField(_("family name"))
    address = EncryptedJSONField(_("address"), default=dict, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)

    class Privacy:
        # Foster families' whereabouts are where the children live.
        identifying = ["name", "address", "phone"]
        plain = ["id", "row_id", "office", "approved_on"]

    def __str__(self) -> str:
        return f"foster family {self.pk}"


class Placement(Voidable):
    """Where a client lives while in care, for a period [start, end). Periods of a client never overlap
    (a database constraint on PostgreSQL and a trigger on SQLite back up the service's check)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="placements")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="placements")
    kind = models.CharField(_("placement"), max_length=16, choices=PlacementKind.choices)
    # An option administrators added to the kinds (wholejourney.options); `kind` is its category.
    kind_option = models.CharField(_("placement (added option)"), max_length=32, blank=True)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True, help_text=_("The day the client moved out."))
    foster_family = models.ForeignKey(FosterFamily, on_delete=models.PROTECT, null=True, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True)

    class Privacy:
        plain = ["id", "client", "case", "kind", "kind_option", "start", "end", "foster_family", "organisation"]

    class Meta:
        ordering = ["client", "start"]
        indexes = [models.Index(fields=["kind", "start"], name="placement_kind_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")), name="placement_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(kind="foster_care") | Q(foster_family__isnull=False), name="foster_placement_names_family"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.start} – {self.end or '…'}"


class Transfer(EncryptedModel):
    """A client handed from one office to another (repatriation, a move across a border): the
    sending case manager asks, the sending director approves, the receiving director accepts. On
    acceptance the client and their whole record belong to the receiving office; the sending office
    keeps this row (code, dates, where to) and its audit trail."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the sending director")
        APPROVED = "approved", _("Waiting for the receiving office")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="transfers")
    client_code = models.CharField(max_length=20)  # kept for the sending office's entry
    from_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="transfers_out")
    to_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="transfers_in")
    reason = EncryptedTextField(_("reason for the transfer"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(_("note on the decision"), blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    closed_case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    opened_case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Privacy:
        identifying = ["reason", "decision_note"]
        plain = [
            "id", "row_id", "client", "client_code", "from_office", "to_office", "status", "requested_by",
            "requested_at", "approved_by", "approved_at", "decided_by", "decided_at", "effective_on", "closed_case",
            "opened_case",
        ]  # fmt: skip

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_office=F("to_office")), name="transfer_between_two_offices"),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status__in=["requested", "approved"]),
                name="transfer_one_pending_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"transfer {self.pk} of {self.client_code} ({self.status})"

    def encryption_data_key(self) -> DataKey:
        return self.client.data_key
