"""Documents on a client's record: identity cards, birth certificates, court papers, medical letters,
signed consent forms. The bytes live in the media storage encrypted under the client's data key
(documents.files), so erasing the client shreds them with the rest of the record; the row keeps
only what lists need in the clear."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wholejourney.core.fields import EncryptedCharField, EncryptedModel
from wholejourney.core.models import DataKey


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", _("Identity document")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    COURT = "court", _("Court paper")
    MEDICAL = "medical", _("Medical letter")
    CONSENT = "consent", _("Signed consent form")
    OTHER = "other", _("Other")


class Document(EncryptedModel):
    """One file of a client's record. `stored_name` and `preview_name` are names in the media
    storage (random, naming no one); the files there hold ciphertext only."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=24, choices=DocumentKind.choices)
    dated = models.DateField(_("date of the document"), null=True, blank=True)
    # The name the file had when it was uploaded: it can name the client.
    title = EncryptedCharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    stored_name = models.CharField(max_length=100, unique=True)
    preview_name = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # The signed form of a consent, scanned.
    consent = models.ForeignKey(
        "clients.Consent", on_delete=models.SET_NULL, null=True, blank=True, related_name="forms"
    )

    class Privacy:
        identifying = ["title"]
        plain = [
            "id", "row_id", "client", "kind", "dated", "content_type", "size", "stored_name", "preview_name",
            "uploaded_by", "uploaded_at", "consent",
        ]  # fmt: skip

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.kind} document {self.pk} of client {self.client_id}"

    def encryption_data_key(self) -> DataKey:
        return self.client.data_key

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/jpeg", "image/png")
