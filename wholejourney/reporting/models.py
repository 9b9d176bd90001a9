"""What the reporting app stores: never a figure (figures are computed from records every time),
only the report's prose, the files made from it, and each office's disclosure threshold."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wholejourney.clients.models import Consent
from wholejourney.core.base_model import BaseModel
from wholejourney.core.fields import EncryptedCharField, EncryptedJSONField, EncryptedModel, EncryptedTextField
from wholejourney.core.models import DataKey, Job, Office
from wholejourney.reporting.disclosure import DEFAULT_THRESHOLD


def default_threshold() -> int:
    return int(getattr(settings, "WJ_DISCLOSURE_THRESHOLD", DEFAULT_THRESHOLD))


class OfficeReportSettings(BaseModel):
    """An office's reporting settings; an office without a row uses the installation's default."""

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="report_settings")
    disclosure_threshold = models.PositiveSmallIntegerField(
        _("disclosure threshold"),
        default=default_threshold,
        help_text=_("In the external edition, counts below this number are suppressed."),
    )

    class Privacy:
        plain = ["id", "office", "disclosure_threshold"]

    class Meta:
        verbose_name = _("office reporting settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disclosure_threshold__gte=1), name="disclosure_threshold_positive"
            )
        ]

    def __str__(self) -> str:
        return f"report settings of office {self.office_id}"


class Edition(models.TextChoices):
    INTERNAL = "internal", _("Internal (all figures)")
    EXTERNAL = "external", _("External (for donors and partners, small numbers suppressed)")


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", _("Spreadsheet (XLSX)")
    HTML = "html", "HTML"
    JSON = "json", "JSON"


class ReportNarrative(EncryptedModel):
    """The report's prose for one office, period and language: the director's letter and the
    introduction of each section. Stories hang off it. Free text, so encrypted (under the master
    key: the letter is about the organisation, not about one client)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("office"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    letter = EncryptedTextField(_("word from the country director"), blank=True)
    signature = EncryptedTextField(
        _("signed"), blank=True, help_text=_("Name and title under the letter, one per line.")
    )
    introductions = EncryptedJSONField(_("section introductions"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Privacy:
        sensitive = ["letter", "signature", "introductions"]
        plain = [
            "id", "row_id", "office", "period_start", "period_end", "language", "status", "updated_by",
            "updated_at", "published_by", "published_at",
        ]  # fmt: skip

    class Meta:
        ordering = ["-period_end", "office", "language"]
        verbose_name = _("report narrative")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "period_start", "period_end", "language"], name="narrative_one_per_period_language"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="narrative_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"narrative {self.period_start}–{self.period_end} ({self.language})"


class Story(EncryptedModel):
    """A survivor's story, told under the pseudonym of their story consent and encrypted under
    their data key: erasing the client erases the story. Text only: a report never carries a
    photograph of a survivor, so there is nowhere to put one."""

    narrative = models.ForeignKey(ReportNarrative, on_delete=models.CASCADE, related_name="stories")
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="+", verbose_name=_("consent"))
    title = EncryptedCharField(_("title"), max_length=120)
    quote = EncryptedTextField(_("quote"), blank=True, help_text=_("In the survivor's words, if they wish."))
    body = EncryptedTextField(_("story"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Privacy:
        sensitive = ["title", "quote", "body"]
        plain = ["id", "row_id", "narrative", "consent", "order", "updated_by", "updated_at"]

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")

    def __str__(self) -> str:
        return f"story {self.pk} of narrative {self.narrative_id}"

    def encryption_data_key(self) -> DataKey:
        return self.consent.client.data_key


class ReportFile(BaseModel):
    """A report made in the background (PDF, spreadsheet, …), kept for download under
    var/media/reports/. Downloads are audited."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("office")
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    edition = models.CharField(_("edition"), max_length=16, choices=Edition.choices)
    format = models.CharField(_("format"), max_length=8, choices=ReportFormat.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    job = models.OneToOneField(Job, on_delete=models.PROTECT, related_name="report_file")
    path = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Privacy:
        plain = [
            "id", "office", "period_start", "period_end", "edition", "format", "language", "job", "path", "size",
            "created_by", "created_at",
        ]  # fmt: skip

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("report file")

    def __str__(self) -> str:
        return f"report {self.format} {self.period_start}–{self.period_end}"

    @property
    def is_ready(self) -> bool:
        return bool(self.path) and self.job.status == Job.Status.SUCCEEDED

    def filename(self) -> str:
        office = self.office.code if self.office else "all"
        return f"report-{office}-{self.period_start:%Y%m%d}-{self.period_end:%Y%m%d}-{self.edition}-{self.language}.{self.format}"
