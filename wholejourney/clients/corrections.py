"""A client's identity can be corrected (core.corrections): names, birth date, sex, phones, the ID
card and the address, on the registration form's fields. Earlier values are kept in the history
under the client's own key, for those who may see who the client is."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from wholejourney.accounts.roles import Permission
from wholejourney.clients import services
from wholejourney.clients.forms import IdentityForm
from wholejourney.clients.models import Client
from wholejourney.core.corrections.registry import CorrectableKind, register

ADDRESS_PARTS = ("village", "commune", "district", "province")
NAME_FIELDS = ("family_name_km", "given_name_km", "family_name_latin", "given_name_latin")


def _id_card(client: Client) -> str:
    return next((doc.get("number", "") for doc in client.id_documents or [] if doc.get("kind") == "id_card"), "")


def _to_form(client: Client) -> dict[str, Any]:
    address = client.address or {}
    return {
        **{name: getattr(client, name) for name in NAME_FIELDS},
        "aliases": "\n".join(client.aliases or []),
        "date_of_birth": client.date_of_birth,
        "birth_year": None if client.date_of_birth else client.birth_year,
        "sex": client.sex,
        "phone_numbers": "\n".join(client.phone_numbers or []),
        "id_card_number": _id_card(client),
        **{part: address.get(part, "") for part in ADDRESS_PARTS},
    }


def _from_form(client: Client, cleaned: dict[str, Any]) -> dict[str, Any]:
    """The identity the form gives, keeping what the form does not show (other identity documents,
    other parts of the address)."""
    form = IdentityForm()
    form.cleaned_data = {**_to_form(client), **cleaned}
    identity = form.identity()
    others = [doc for doc in client.id_documents or [] if doc.get("kind") != "id_card"]
    identity["id_documents"] = identity["id_documents"] + others
    kept = {k: v for k, v in (client.address or {}).items() if k not in ADDRESS_PARTS}
    identity["address"] = {**kept, **identity["address"]}
    if identity["date_of_birth"] is None and "birth_year" not in identity:
        identity["birth_year"], identity["birth_year_estimated"] = None, False
    return identity


def _check(client: Client) -> None:
    values = {name: getattr(client, name) for name in services.IDENTITY_FIELDS}
    services.validate_identity(values)
    client.phone_numbers = values.get("phone_numbers") or client.phone_numbers
    client.birth_year, client.birth_year_estimated = values["birth_year"], values["birth_year_estimated"]


register(
    CorrectableKind(
        key="client",
        model=Client,
        label=gettext_lazy("identity"),
        fields=services.IDENTITY_FIELDS,
        form=lambda record, data: IdentityForm(data),
        permissions=(Permission.MANAGE_CASES,),
        shown_at=lambda client: reverse("clients:detail", kwargs={"pk": client.pk}),
        client=lambda client: client,
        case=lambda client: client.cases.order_by("-opened_on").first(),
        author_id=lambda client: None,
        office_id=lambda client: client.office_id,
        check=_check,
        after=services.refresh_lookups,
        identifying=tuple(Client.Privacy.identifying),
        to_form=_to_form,
        from_form=_from_form,
        time_limited=False,
    )
)
