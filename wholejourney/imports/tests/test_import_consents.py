"""Consent comes in with the import, and is obeyed at once: a referral to a partner without a sharing
consent in force is refused; one withdrawn in the workbook allows nothing."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from wholejourney.cases import services as case_services
from wholejourney.clients.models import Client, Consent
from wholejourney.conftest import Cast
from wholejourney.imports import tasks
from wholejourney.imports.models import ImportedRow, ImportRun
from wholejourney.imports.template import EXAMPLES, write_workbook
from wholejourney.partners.models import Organisation

pytestmark = pytest.mark.django_db


def _import(cast: Cast, tmp_path: Path, rows: dict[str, list[dict[str, Any]]]) -> ImportRun:
    path = tmp_path / "w.xlsx"
    write_workbook(path, rows)
    return tasks.import_path(actor=cast.admin, office=cast.kh, path=path)


def _object(sheet: str, ref: str) -> int:
    return ImportedRow.objects.get(sheet=sheet, external_id=ref).object_id


def test_consents_are_imported_encrypted_and_obeyed(cast: Cast, tmp_path: Path) -> None:
    rows = {sheet: copy.deepcopy(EXAMPLES[sheet]) for sheet in ("partners", "clients")}
    rows["consents"] = [
        {"consent_ref": "K1", "client_ref": "C001", "kind": "sharing", "partner_ref": "P003", "given_on": "2022-02-01",
         "how_given": "signed"},
        {"consent_ref": "K2", "client_ref": "C002", "kind": "sharing", "partner_ref": "P003", "given_on": "2022-06-15",
         "withdrawn_on": "2023-01-05"},
        {"consent_ref": "K3", "client_ref": "C003", "kind": "services", "given_on": "2023-01-10", "how_given": "thumbprint",
         "guardian_name": "Keo Srey Mom", "guardian_relation": "mother"},
    ]  # fmt: skip

    run = _import(cast, tmp_path, rows)

    assert run.status == ImportRun.Status.SUCCEEDED, tasks.problems_shown(run)
    guardian = Consent.objects.get(pk=_object("consents", "K3"))
    assert (guardian.guardian_name, guardian.how_given) == ("Keo Srey Mom", "thumbprint")
    shelter = Organisation.objects.get(pk=_object("partners", "P003"))
    first, second = (Client.objects.get(pk=_object("clients", ref)) for ref in ("C001", "C002"))
    day = datetime.date(2024, 1, 2)
    case_services.referral_send(actor=cast.director, client=first, organisation=shelter, referred_on=day)
    with pytest.raises(ValidationError, match="has not agreed"):
        case_services.referral_send(actor=cast.director, client=second, organisation=shelter, referred_on=day)


def test_consent_rows_breaking_the_rules_are_problems(cast: Cast, tmp_path: Path) -> None:
    rows = {sheet: copy.deepcopy(EXAMPLES[sheet]) for sheet in ("partners", "clients")}
    rows["consents"] = [
        {"consent_ref": "K1", "client_ref": "C001", "kind": "sharing", "given_on": "2022-02-01"},
        {"consent_ref": "K2", "client_ref": "C002", "kind": "story", "given_on": "2022-06-15"},
        {"consent_ref": "K3", "client_ref": "C003", "kind": "services", "given_on": "2023-01-10",
         "withdrawn_on": "2022-01-01"},
    ]  # fmt: skip

    run = _import(cast, tmp_path, rows)

    assert run.status != ImportRun.Status.SUCCEEDED
    found = {(p["sheet"], p["column"]) for p in run.errors}
    assert {("consents", "partner_ref"), ("consents", "pseudonym"), ("consents", "withdrawn_on")} <= found
    assert not Consent.objects.exists()
