"""Outcomes: assessments in the four domains, crises, the economic outcome survey, and the
stability clock derived from them (outcomes/clock.py)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.care.models import ClientRecord, Domain
from wholejourney.clients.models import Client
from wholejourney.core.base_model import BaseModel
from wholejourney.core.fields import EncryptedTextField
from wholejourney.core.models import DataKey


class Instrument(BaseModel):
    """A versioned assessment form. An assessment keeps the version it was made with."""

    key = models.SlugField(_("instrument"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"))
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_km = models.CharField(_("name (Khmer)"), max_length=120)
    scale_min = models.PositiveSmallIntegerField(default=1)
    scale_max = models.PositiveSmallIntegerField(default=4)
    # A domain is stable when its score (the mean of its items) is at least this.
    stable_threshold = models.DecimalField(max_digits=3, decimal_places=1, default=Decimal("3.0"))
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Privacy:
        plain = [
            "id",
            "key",
            "version",
            "name_en",
            "name_km",
            "scale_min",
            "scale_max",
            "stable_threshold",
            "is_current",
            "created_at",
        ]

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="instrument_unique_version"),
            models.UniqueConstraint(
                fields=["key"], condition=Q(is_current=True), name="instrument_one_current_version"
            ),
            models.CheckConstraint(condition=Q(scale_max__gt=models.F("scale_min")), name="instrument_scale_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.name_en} v{self.version}"


class InstrumentItem(BaseModel):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    domain = models.CharField(max_length=16, choices=Domain.choices)
    code = models.SlugField(max_length=40)
    text_en = models.CharField(max_length=240)
    text_km = models.CharField(max_length=240)
    position = models.PositiveSmallIntegerField(default=0)

    class Privacy:
        plain = ["id", "instrument", "domain", "code", "text_en", "text_km", "position"]

    class Meta:
        ordering = ["instrument", "position"]
        constraints = [models.UniqueConstraint(fields=["instrument", "code"], name="item_unique_code")]

    def __str__(self) -> str:
        return self.code


class Assessment(ClientRecord):
    """One assessment in all four domains. Domain scores are the means of the items' scores,
    computed by the service from the answers (never typed in)."""

    class Kind(models.TextChoices):
        BASELINE = "baseline", _("Baseline (at intake)")
        REASSESSMENT = "reassessment", _("Reassessment")

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    assessed_on = models.DateField(_("date"))
    protection_score = models.DecimalField(max_digits=4, decimal_places=2)
    wellbeing_score = models.DecimalField(max_digits=4, decimal_places=2)
    economic_score = models.DecimalField(max_digits=4, decimal_places=2)
    social_score = models.DecimalField(max_digits=4, decimal_places=2)
    note = EncryptedTextField(_("notes"), blank=True)

    class Privacy:
        sensitive = ["note"]
        plain = [
            "id", "row_id", "client", "case", "recorded_by", "instrument", "kind", "assessed_on", "protection_score",
            "wellbeing_score", "economic_score", "social_score",
        ]  # fmt: skip

    class Meta:
        ordering = ["assessed_on", "pk"]
        indexes = [models.Index(fields=["client", "assessed_on"], name="assessment_client_day_idx")]

    def __str__(self) -> str:
        return f"{self.kind} of client {self.client_id} on {self.assessed_on}"

    def score(self, domain: str) -> Decimal:
        return getattr(self, f"{domain}_score")  # type: ignore[no-any-return]

    def stable_domains(self) -> frozenset[str]:
        threshold = self.instrument.stable_threshold
        return frozenset(domain for domain in Domain.values if self.score(domain) >= threshold)


class AssessmentAnswer(BaseModel):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(InstrumentItem, on_delete=models.PROTECT)
    score = models.PositiveSmallIntegerField()

    class Privacy:
        plain = ["id", "assessment", "item", "score"]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="answer_once_per_item")]

    def __str__(self) -> str:
        return f"{self.item_id}={self.score}"


class CrisisEvent(ClientRecord):
    class Severity(models.TextChoices):
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")
        CRITICAL = "critical", _("Critical (life or safety at risk)")

    occurred_on = models.DateField(_("date"))
    domains = models.JSONField(_("domains"), default=list)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    what_happened = EncryptedTextField(_("what happened"))
    response = EncryptedTextField(_("response taken"), blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Privacy:
        sensitive = ["what_happened", "response"]
        plain = ["id", "row_id", "client", "case", "recorded_by", "occurred_on", "domains", "severity", "recorded_at"]

    class Meta:
        ordering = ["occurred_on", "pk"]
        indexes = [models.Index(fields=["client", "occurred_on"], name="crisis_client_day_idx")]

    def __str__(self) -> str:
        return f"crisis of client {self.client_id} on {self.occurred_on}"


class EconomicSurvey(ClientRecord):
    """The economic outcome survey (its two questions may each be left unanswered)."""

    surveyed_on = models.DateField(_("date"))
    income_increased = models.BooleanField(_("household income increased since the last survey"), null=True, blank=True)
    income_covers_needs = models.BooleanField(
        _("business or job income helps the family afford food, health care and education"), null=True, blank=True
    )

    class Privacy:
        plain = [
            "id",
            "row_id",
            "client",
            "case",
            "recorded_by",
            "surveyed_on",
            "income_increased",
            "income_covers_needs",
        ]

    def __str__(self) -> str:
        return f"survey of client {self.client_id} on {self.surveyed_on}"


class ClockState(BaseModel):
    """The stability clock of a client as of the last change to their assessments or crises.

    Derived, never edited: `outcomes.services` rewrites it from the records whenever they change
    (and `wholejourney clock rebuild` rewrites all). It lets dashboards count clock states over
    a whole country in one query. Days elapsed and days left follow from the dates."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        RUNNING = "running", _("Running")
        WHOLE = "whole", _("Whole")

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="clock")
    run_started_on = models.DateField(null=True, blank=True)
    required_months = models.PositiveSmallIntegerField(default=6)
    whole_on = models.DateField(null=True, blank=True, help_text="When the current run completes (or completed).")
    last_whole_on = models.DateField(null=True, blank=True)
    last_reset_on = models.DateField(null=True, blank=True)
    last_reset_reason = models.CharField(max_length=64, blank=True)
    # The latest assessment: "reassessment overdue" over a whole office is then a plain column.
    last_assessed_on = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Privacy:
        plain = [
            "id", "client", "run_started_on", "required_months", "whole_on", "last_whole_on", "last_reset_on",
            "last_reset_reason", "last_assessed_on", "computed_at",
        ]  # fmt: skip

    class Meta:
        indexes = [models.Index(fields=["whole_on"], name="clock_whole_on_idx")]

    def __str__(self) -> str:
        return f"clock of client {self.client_id}"


class ClockRun(BaseModel):
    """One run of a client's stability clock: from the day all four domains were stable, for the
    months the rule requires, until a crisis or an unstable assessment reset it (open while it
    runs). Derived like ClockState, and rewritten with it from the records whenever they change.

    The client became whole on `whole_on` if nothing reset the run up to and including that day
    (`reset_on` empty or later). So the report counts wholeness, run lengths and resets in any
    period, and the clock states on any day, as plain queries over these rows."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="clock_runs")
    started_on = models.DateField()
    required_months = models.PositiveSmallIntegerField()
    whole_on = models.DateField(help_text="When the run completes (or completed), unless it is reset first.")
    reset_on = models.DateField(null=True, blank=True)
    # What reset it, as on ClockState: "assessment:economic,crisis:protection".
    reset_reason = models.CharField(max_length=200, blank=True)

    class Privacy:
        plain = ["id", "client", "started_on", "required_months", "whole_on", "reset_on", "reset_reason"]

    class Meta:
        ordering = ["client", "started_on"]
        indexes = [
            models.Index(fields=["whole_on"], name="clockrun_whole_on_idx"),
            models.Index(fields=["reset_on"], name="clockrun_reset_on_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["client", "started_on"], name="clockrun_one_per_start"),
            models.CheckConstraint(
                condition=Q(reset_on__isnull=True) | Q(reset_on__gt=models.F("started_on")),
                name="clockrun_reset_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"clock run of client {self.client_id} from {self.started_on}"


class ClockFlag(BaseModel):
    """Something about a clock a supervisor must look at, e.g. a crisis entered with a date before a
    closure as "goals achieved". The closure stands; the flag asks a person to judge it."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="clock_flags")
    crisis = models.ForeignKey(CrisisEvent, on_delete=models.CASCADE, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=64)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Privacy:
        plain = ["id", "client", "crisis", "raised_at", "reason", "resolved_by", "resolved_at"]

    def __str__(self) -> str:
        return f"clock flag for client {self.client_id}"

    def encryption_data_key(self) -> DataKey:
        return self.client.data_key
