"""A partner organisation is corrected on its own page (partners.views), through the same version
check and history as every record (core.corrections)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from wholejourney.core.corrections.registry import CorrectableKind, register
from wholejourney.partners.forms import OrganisationForm
from wholejourney.partners.models import Organisation
from wholejourney.partners.services import MANAGE_PARTNERS

register(
    CorrectableKind(
        key="organisation",
        model=Organisation,
        label=gettext_lazy("partner organisation"),
        fields=("name", "kind", "province", "is_active"),
        form=lambda record, data: OrganisationForm(data, office=None),
        permissions=(MANAGE_PARTNERS,),
        shown_at=lambda organisation: reverse("partners:organisation_edit", kwargs={"pk": organisation.pk}),
        client=lambda organisation: None,
        case=lambda organisation: None,
        author_id=lambda organisation: None,
        office_id=lambda organisation: organisation.office_id,
        time_limited=False,
    )
)
