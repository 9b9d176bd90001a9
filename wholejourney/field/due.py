"""Home's link to the field app (core.due's glances), for those who do field work."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from wholejourney.accounts.models import User
from wholejourney.core.due import Glance, GlanceRow, register_glance
from wholejourney.field.models import FieldPack
from wholejourney.field.services import does_field_work


def field_rows(user: User, today: datetime.date) -> list[GlanceRow]:
    in_use = FieldPack.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).count()
    return [
        GlanceRow(gettext("Open the field app"), None, reverse("field:shell")),
        GlanceRow(gettext("Your field packs in use"), in_use),
    ]


register_glance(Glance("field", gettext_lazy("Field work"), 40, does_field_work, field_rows))
