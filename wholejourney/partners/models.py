"""Partner organisations: who refers survivors, who trains and employs them, who works beside us."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wholejourney.core.base_model import BaseModel
from wholejourney.core.correctable import Versioned
from wholejourney.core.fields import EncryptedCharField, EncryptedModel
from wholejourney.core.models import Office


class OrganisationKind(models.TextChoices):
    GOVERNMENT_MINISTRY = "government_ministry", _("Government ministry or department")
    PROVINCIAL_AUTHORITY = "provincial_authority", _("Provincial or local authority")
    CCWC = "ccwc", _("Commune Committee for Women and Children")
    POLICE = "police", _("Police")
    NGO = "ngo", _("NGO or civil-society organisation")
    INGO = "ingo", _("International NGO")
    PRIVATE = "private", _("Private employer or business")
    CHURCH = "church", _("Church")
    SCHOOL = "school", _("School or university")
    DONOR = "donor", _("Donor")
    OTHER = "other", _("Other")


# The kinds that are government bodies, for the referral-source figures of the report.
GOVERNMENT_KINDS = frozenset(
    {
        OrganisationKind.GOVERNMENT_MINISTRY,
        OrganisationKind.PROVINCIAL_AUTHORITY,
        OrganisationKind.CCWC,
        OrganisationKind.POLICE,
    }
)


class Organisation(Versioned):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("office"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    # An option administrators added to the kinds (wholejourney.options); `kind` is then its
    # reporting category, so every figure keeps counting by `kind`.
    kind_option = models.CharField(_("kind (added option)"), max_length=32, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Privacy:
        plain = ["id", "office", "name", "kind", "kind_option", "province", "is_active"]

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        constraints = [models.UniqueConstraint(fields=["office", "name"], name="organisation_unique_name_per_office")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_government(self) -> bool:
        return self.kind in GOVERNMENT_KINDS

    @property
    def is_business(self) -> bool:
        return self.kind == OrganisationKind.PRIVATE


class PartnershipPeriod(BaseModel):
    """A span during which the organisation is an active partner (open-ended when `active_to` is empty)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="periods")
    active_from = models.DateField(_("active from"))
    active_to = models.DateField(_("active to"), null=True, blank=True)

    class Privacy:
        plain = ["id", "organisation", "active_from", "active_to"]

    class Meta:
        ordering = ["organisation", "active_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=models.F("active_from")),
                name="partnership_period_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.active_from} – {self.active_to or '…'}"


def active_in(start: datetime.date, end: datetime.date) -> Q:
    """Organisations with a partnership period overlapping [start, end]."""
    return Q(periods__active_from__lte=end) & (Q(periods__active_to__isnull=True) | Q(periods__active_to__gte=start))


class Agreement(EncryptedModel):
    """A partnership agreement, with the signed document kept beside it."""

    class Kind(models.TextChoices):
        MOU = "mou", _("Memorandum of understanding")
        EMPLOYMENT_PARTNER = "employment_partner", _("Employment and training partnership")
        REFERRAL = "referral", _("Referral protocol")
        FUNDING = "funding", _("Funding agreement")
        OTHER = "other", _("Other")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    signed_on = models.DateField(_("signed on"))
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    signatory = EncryptedCharField(_("the partner's signatory"), max_length=120, blank=True)
    document = models.FileField(_("document"), upload_to="agreements/%Y/", blank=True)

    class Privacy:
        identifying = ["signatory"]
        plain = ["id", "row_id", "organisation", "kind", "signed_on", "start", "end", "document"]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="agreement_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} with {self.organisation_id}"


class Contact(EncryptedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    name = EncryptedCharField(_("name"), max_length=120)
    role = models.CharField(_("role"), max_length=120, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True)
    email = EncryptedCharField(_("email"), max_length=200, blank=True)

    class Privacy:
        identifying = ["name", "phone", "email"]
        plain = ["id", "row_id", "organisation", "role"]

    def __str__(self) -> str:
        return f"contact {self.pk} of {self.organisation_id}"
