"""Survivors in care: identity (encrypted under the client's own data key), caseload assignment,
search tokens and break-the-glass grants."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.core.base_model import BaseModel
from wholejourney.core.blind_index import IndexKind
from wholejourney.core.correctable import Versioned
from wholejourney.core.fields import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedModel,
    EncryptedTextField,
)
from wholejourney.core.models import DataKey, Office


class Sex(models.TextChoices):
    """Sex, as the report counts it (for example "88 survivors (80 female) were employed")."""

    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    INTERSEX = "intersex", _("Intersex")
    UNKNOWN = "unknown", _("Not known")


class Gender(models.TextChoices):
    """Gender, with the values of the IOM Human Trafficking Case Data Standard (prs_Gender)."""

    FEMININE = "Feminine", _("Feminine")
    MASCULINE = "Masculine", _("Masculine")
    TRANSGENDER_FEMININE = "TransgenderFeminine", _("Transgender feminine")
    TRANSGENDER_MASCULINE = "TransgenderMasculine", _("Transgender masculine")
    NON_CONFORMING = "NonConforming", _("Non-conforming")
    NOT_SPECIFIED = "NonSpecifiedUnknown", _("Not specified or unknown")


class Client(Versioned, EncryptedModel):
    """A survivor with a record in one office. Lists and reports show `code`, never the name."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="clients", verbose_name=_("office"))
    code = models.CharField(_("client code"), max_length=20, unique=True)
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="client")
    # The caseload this client is in: shared by the team, its supervisor and the case manager.
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="clients", verbose_name=_("team")
    )
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name=_("case manager"),
    )
    given_name_km = EncryptedCharField(_("given name (Khmer)"), max_length=120, blank=True)
    family_name_km = EncryptedCharField(_("family name (Khmer)"), max_length=120, blank=True)
    given_name_latin = EncryptedCharField(_("given name (Latin script)"), max_length=120, blank=True)
    family_name_latin = EncryptedCharField(_("family name (Latin script)"), max_length=120, blank=True)
    aliases = EncryptedJSONField(_("other names"), default=list, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=16, choices=Sex.choices, default=Sex.UNKNOWN)
    gender = models.CharField(_("gender"), max_length=24, choices=Gender.choices, default=Gender.NOT_SPECIFIED)
    # The year alone, in the clear: ages, age groups and the child rule of the stability clock are
    # computed over many clients at once. When the date of birth is unknown, an estimate.
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    birth_year_estimated = models.BooleanField(_("year of birth is estimated"), default=False)
    citizenship = models.CharField(
        _("citizenship"), max_length=2, blank=True, help_text=_("Two-letter country code, e.g. KH.")
    )
    primary_language = models.CharField(_("primary language"), max_length=8, blank=True)
    secondary_language = models.CharField(_("secondary language"), max_length=8, blank=True)
    phone_numbers = EncryptedJSONField(_("phone numbers"), default=list, blank=True)
    id_documents = EncryptedJSONField(_("identity documents"), default=list, blank=True)
    address = EncryptedJSONField(_("address"), default=dict, blank=True)
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    # Why staff registered this person although a possible match existed (for the director to review).
    duplicate_reason = EncryptedTextField(_("reason for registering despite a possible match"), blank=True)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    class Privacy:
        identifying = [
            "given_name_km", "family_name_km", "given_name_latin", "family_name_latin", "aliases",
            "date_of_birth", "phone_numbers", "id_documents", "address",
        ]  # fmt: skip
        sensitive = ["duplicate_reason"]
        plain = [
            "id",
            "row_id",
            "office",
            "code",
            "data_key",
            "team",
            "case_manager",
            "sex",
            "gender",
            "birth_year",
            "birth_year_estimated",
            "citizenship",
            "primary_language",
            "secondary_language",
            "registered_at",
            "erased_at",
        ]

    class Meta:
        ordering = ["code"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [
            # The caseload newest first, and its count, for roles that see a whole office.
            models.Index(
                fields=["office", "registered_at", "id"],
                condition=models.Q(erased_at__isnull=True),
                name="client_caseload_order_idx",
            ),
            # The report's figures keep to an office's clients by joining on these two columns: the
            # index answers without reading the clients' rows (benchmarks/report.py --national).
            models.Index(fields=["office", "id"], name="client_office_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    def encryption_data_key(self) -> DataKey:
        return self.data_key

    @property
    def display_name(self) -> str:
        """The name as staff would say it: Khmer script if recorded, else Latin."""
        if self.erased_at:
            return str(_("(erased)"))
        khmer = " ".join(part for part in (self.family_name_km, self.given_name_km) if part)
        latin = " ".join(part for part in (self.family_name_latin, self.given_name_latin) if part)
        return khmer or latin or self.code


class ConsentKind(models.TextChoices):
    SERVICES = "services", _("To receive services")
    SHARING = "sharing", _("To share information with a named partner")
    STORY = "story", _("To tell their story, under a pseudonym")


class ConsentHow(models.TextChoices):
    SIGNED = "signed", _("Signed a form")
    THUMBPRINT = "thumbprint", _("Thumbprint on a form")
    SPOKEN = "spoken", _("Said so, before a witness")


class Consent(EncryptedModel):
    """What a client agreed to, when, and whether they withdrew it. A story is only ever told under
    its pseudonym, and never with a photograph of the client's face."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consent to"), max_length=16, choices=ConsentKind.choices)
    partner = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("partner")
    )
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    pseudonym = EncryptedCharField(_("pseudonym"), max_length=80, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    how_given = models.CharField(_("how it was given"), max_length=16, choices=ConsentHow.choices, blank=True)
    # A child's consent is given by a guardian: who, and what they are to the child.
    guardian_name = EncryptedCharField(_("guardian's name"), max_length=120, blank=True)
    guardian_relation = EncryptedCharField(_("guardian is the child's"), max_length=60, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Privacy:
        identifying = ["guardian_name"]
        # A pseudonym is meant to be published, but with the client's record it points at them.
        sensitive = ["pseudonym", "note", "guardian_relation"]
        plain = [
            "id", "row_id", "client", "kind", "partner", "given_on", "withdrawn_on", "recorded_by", "how_given",
            "withdrawn_by",
        ]  # fmt: skip

    class Meta:
        ordering = ["-given_on"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="sharing") | models.Q(partner__isnull=False),
                name="sharing_consent_names_partner",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True) | models.Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} consent of client {self.client_id}"

    def encryption_data_key(self) -> DataKey:
        return self.client.data_key

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class ConsentOverride(EncryptedModel):
    """Information shared without the client's consent, on the director's word: a referral to a
    partner the client has not agreed to share with (a child in danger, a court order). Shown on the
    client's record with its reason."""

    class Purpose(models.TextChoices):
        REFERRAL = "referral", _("Referral to a partner")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consent_overrides")
    purpose = models.CharField(_("for"), max_length=16, choices=Purpose.choices)
    partner = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("partner")
    )
    reason = EncryptedTextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    class Privacy:
        # The reason says what happened to the client.
        sensitive = ["reason"]
        plain = ["id", "row_id", "client", "purpose", "partner", "decided_by", "decided_at"]

    class Meta:
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"consent override for client {self.client_id}"

    def encryption_data_key(self) -> DataKey:
        return self.client.data_key


class ClientLookup(BaseModel):
    """A blind-index token of one of the client's names, phone numbers or ID numbers."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="lookups")
    # The client's office, repeated: a search sorts matches into the user's office and the others
    # from the index alone, without reading each client's row (benchmarks/search.py).
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", null=True, db_index=False)
    kind = models.CharField(max_length=16, choices=[(k.value, k.value) for k in IndexKind])
    digest = models.CharField(max_length=64)

    class Privacy:
        # HMAC digests: they reveal which clients share a value, not the value (core/blind_index.py).
        plain = ["id", "client", "office", "kind", "digest"]

    class Meta:
        # The office and the client in the index as well: a search reads thousands of tokens of a
        # common name and scores their clients from the index alone, instead of a row each.
        indexes = [models.Index(fields=["kind", "digest", "office", "client"], name="clientlookup_search_idx")]
        constraints = [models.UniqueConstraint(fields=["client", "kind", "digest"], name="clientlookup_unique")]

    def __str__(self) -> str:
        return f"{self.kind} token of client {self.client_id}"


class ClientCodeCounter(BaseModel):
    """The last number given to a client of an office in a year (KH-2023-0042)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Privacy:
        plain = ["id", "office", "year", "last_number"]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="clientcode_unique_office_year")]

    def __str__(self) -> str:
        return f"{self.office_id}-{self.year}: {self.last_number}"


class BreakGlassGrant(EncryptedModel):
    """Temporary access to a client outside the user's caseload, taken with a reason."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="break_glass_grants")
    reason = EncryptedTextField(_("reason"))
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Taken again while the last one for the same client was still open or had just ended: access
    # kept going back to back, which the director sees apart.
    renews = models.BooleanField(default=False)

    class Privacy:
        # The reason may name the client or what happened to them.
        sensitive = ["reason"]
        plain = ["id", "row_id", "user", "client", "granted_at", "expires_at", "renews"]

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "client", "expires_at"], name="breakglass_active_idx")]

    def __str__(self) -> str:
        return f"break-glass {self.user_id} → {self.client_id}"

    def encryption_data_key(self) -> DataKey:
        return self.client.data_key

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()


class DuplicateSignal(BaseModel):
    """A search or a registration in another office matched this client strongly (same phone or ID
    number, every word of the name): maybe one person with two records. The searcher is never told;
    the client's director is, and decides whether it is one person (both directors can then merge
    or refer)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="duplicate_signals")
    from_office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name=_("office"))
    at = models.DateTimeField(default=timezone.now)
    by_number = models.BooleanField(default=False)  # a phone or ID number matched, not only a name
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Privacy:
        # Which office searched, never who or for what.
        plain = ["id", "client", "from_office", "at", "by_number", "reviewed_at"]

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["client", "from_office", "reviewed_at"], name="duplicatesignal_open_idx")]

    def __str__(self) -> str:
        return f"duplicate signal {self.from_office_id} → {self.client_id}"


class NotDuplicate(BaseModel):
    """A director looked at two records of their office and they are two people: the pair is not
    listed among the likely duplicates again (`client_a` is the one with the smaller id)."""

    client_a = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    client_b = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Privacy:
        plain = ["id", "client_a", "client_b", "decided_by", "decided_at"]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client_a", "client_b"], name="notduplicate_once_per_pair"),
            models.CheckConstraint(condition=models.Q(client_a__lt=models.F("client_b")), name="notduplicate_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.client_a_id} is not {self.client_b_id}"


class ClientMerge(BaseModel):
    """Two records of one person made one: `merged` (erased, its key destroyed) into `kept`. Its
    code and address lead to `kept`; the director reviews merges in a list. The codes are kept in
    the clear as they were, whatever happens to the records after."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("office"))
    kept = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="merges_in", verbose_name=_("kept"))
    merged = models.OneToOneField(Client, on_delete=models.PROTECT, related_name="merge", verbose_name=_("merged"))
    kept_code = models.CharField(_("kept record"), max_length=20)
    merged_code = models.CharField(_("merged record"), max_length=20, db_index=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged by")
    )
    merged_at = models.DateTimeField(_("merged"), default=timezone.now)
    # How many records of each kind moved ({"cases.case": 1, "care.legalservice": 3}).
    moved = models.JSONField(default=dict, blank=True)

    class Privacy:
        plain = ["id", "office", "kept", "merged", "kept_code", "merged_code", "merged_by", "merged_at", "moved"]

    class Meta:
        ordering = ["-merged_at", "-pk"]
        verbose_name = _("merge of two records")
        verbose_name_plural = _("merges of two records")
        indexes = [models.Index(fields=["office", "merged_at"], name="clientmerge_office_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(kept=models.F("merged")), name="clientmerge_two_records"),
        ]

    def __str__(self) -> str:
        return f"{self.merged_code} → {self.kept_code}"

    @property
    def moved_total(self) -> int:
        return sum(self.moved.values()) if isinstance(self.moved, dict) else 0
