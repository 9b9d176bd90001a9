"""Erasure with approval: nothing without the director's approval; after it, a sentinel name is
nowhere — not readable in any table, not in the database file, the media folder, the search, the
exports or the audit trail."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from wholejourney.audit.models import AuditEvent
from wholejourney.cases.tests.factories import DAY, make_case, make_client
from wholejourney.clients import services as client_services
from wholejourney.clients.models import Client, ClientLookup, ConsentKind
from wholejourney.clients.search import search_clients
from wholejourney.conftest import Cast
from wholejourney.core.fields import EncryptedFieldMixin
from wholejourney.documents import services as document_services
from wholejourney.documents.models import Document
from wholejourney.erasure import services
from wholejourney.erasure.models import ErasureRequest
from wholejourney.exports.tables import TABLES

SENTINEL = "Zzyxsentinel"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": root}},
    }
    return root


def sentinel_client(cast: Cast) -> Client:
    """A client whose name, guardian, consent note and document all carry the sentinel."""
    client = make_client(cast.case_manager, given_name_latin=SENTINEL, family_name_latin="Chan", aliases=[SENTINEL])
    make_case(cast.case_manager, client)
    partner_consent = client_services.consent_record(
        actor=cast.case_manager, client=client, kind=ConsentKind.SERVICES, given_on=DAY, note=f"asked {SENTINEL}"
    )
    assert partner_consent.pk
    pdf = b"%PDF-1.4\n% " + SENTINEL.encode() + b"\n%%EOF\n"
    document_services.document_upload(
        actor=cast.case_manager, client=client, kind="identity", content=pdf, file_name=f"{SENTINEL}.pdf"
    )
    return client


def readable_values() -> list[str]:
    """Every encrypted value of every table, as the application reads it (None once shredded)."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
        if not fields or not model.__module__.startswith("wholejourney."):
            continue
        for row in model._base_manager.all():
            for field in fields:
                try:
                    value = getattr(row, field.attname)
                except Exception:  # noqa: BLE001 (a value under a destroyed key reads as nothing)
                    value = None
                if value:
                    found.append(str(value))
    return found


def test_request_without_approval_erases_nothing(cast: Cast, media: Path) -> None:
    client = sentinel_client(cast)
    request = services.erasure_request(actor=cast.case_manager, client=client, reason="The client asked us to.")

    with pytest.raises(ValidationError, match="approval"):
        services.erasure_carry_out(actor=cast.director, request=request)
    with pytest.raises(CommandError, match="approval"):
        call_command("erase", "--request", str(request.pk), "--user", cast.admin.username)
    with pytest.raises(ValidationError, match="Another person"):
        services.erasure_decide(
            actor=cast.director,
            request=services.erasure_request(
                actor=cast.director, client=make_client(cast.case_manager), reason="Asked by the director."
            ),
            approve=True,
        )

    client.refresh_from_db()
    assert client.erased_at is None and client.given_name_latin == SENTINEL
    assert Document.objects.filter(client=client).count() == 1
    assert ClientLookup.objects.filter(client=client).exists()
    assert any(SENTINEL in value for value in readable_values())


def test_case_manager_may_not_approve(cast: Cast) -> None:
    client = make_client(cast.case_manager)
    request = services.erasure_request(actor=cast.colleague, client=client, reason="The client asked us to.")
    with pytest.raises(Exception):  # noqa: B017,PT011 (PermissionDenied)
        services.erasure_decide(actor=cast.case_manager, request=request, approve=True)
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.REQUESTED


def test_declined_request_erases_nothing(cast: Cast) -> None:
    client = make_client(cast.case_manager)
    request = services.erasure_request(actor=cast.case_manager, client=client, reason="The client asked us to.")
    services.erasure_decide(actor=cast.director, request=request, approve=False)
    client.refresh_from_db()
    assert client.erased_at is None and client.data_key.destroyed_at is None


def test_command_carries_out_only_an_approved_request(cast: Cast, media: Path, capsys: Any) -> None:
    client = sentinel_client(cast)
    request = services.erasure_request(actor=cast.case_manager, client=client, reason="The client asked us to.")
    services.erasure_decide(actor=cast.director, request=request, approve=True, carry_out=False)
    client.refresh_from_db()
    assert client.erased_at is None

    call_command("erase", "--request", str(request.pk), "--user", cast.admin.username)

    client.refresh_from_db()
    request.refresh_from_db()
    assert client.erased_at is not None and request.status == ErasureRequest.Status.DONE
    assert request.carried_out_by == cast.admin
    assert SENTINEL not in capsys.readouterr().out
    with pytest.raises(CommandError, match="already erased"):
        call_command("erase", "--request", str(request.pk), "--user", cast.admin.username)


def test_pages_request_and_approve(cast: Cast, media: Path) -> None:
    client = sentinel_client(cast)
    manager, director = HttpClient(), HttpClient()
    manager.force_login(cast.case_manager)
    director.force_login(cast.director)
    asked = manager.post(reverse("erasure:client", kwargs={"pk": client.pk}), {"reason": "The client asked us to."})
    assert asked.status_code == 302
    request = ErasureRequest.objects.get()
    home = director.get("/").content.decode()
    assert "Erasures to approve" in home
    listed = director.get(reverse("erasure:decisions")).content.decode()
    assert client.code in listed
    director.post(reverse("erasure:decide", kwargs={"pk": request.pk}), {"decision": "approve"})
    client.refresh_from_db()
    assert client.erased_at is not None
    assert manager.get(reverse("clients:detail", kwargs={"pk": client.pk})).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_after_approved_erasure_the_sentinel_is_nowhere(
    cast: Cast, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = sentinel_client(cast)
    assert any(SENTINEL in value for value in readable_values())  # the check can fail
    assert any(media.rglob("*.bin"))
    request = services.erasure_request(actor=cast.case_manager, client=client, reason=f"{SENTINEL} asked us to.")

    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_decide(actor=cast.director, request=request, approve=True)

    # Not readable in any table (the application's own view, with every key it has).
    assert not [value for value in readable_values() if SENTINEL in value]
    assert not ClientLookup.objects.filter(client=client).exists()
    assert not Document.objects.filter(client=client).exists()
    # Not in the media folder: the document's files are gone.
    assert not [path for path in media.rglob("*") if path.is_file()]
    # Not found by the search, not in any export, not in the audit trail.
    results = search_clients(actor=cast.director, text=SENTINEL)
    assert not results.any
    for build in TABLES.values():
        for identifying in (False, True):
            table = build(cast.director, identifying)
            assert not [row for row in table.rows if SENTINEL in " ".join(str(cell) for cell in row)]
    for event in AuditEvent.objects.all():
        assert SENTINEL not in " ".join(str(getattr(event, f.attname)) for f in AuditEvent._meta.concrete_fields)
    # Not in the database's own bytes: the SQLite file (and its write-ahead log), or a pg_dump.
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        database = Path(settings_dict["NAME"])
        assert database.exists()
        for path in (database, Path(f"{database}-wal")):
            if path.exists():
                assert SENTINEL.encode() not in path.read_bytes()
    elif connection.vendor == "postgresql" and shutil.which("pg_dump"):
        dump = subprocess.run(
            ["pg_dump", "--data-only", "-h", settings_dict["HOST"] or "127.0.0.1", "-p", str(settings_dict["PORT"] or 5432),
             "-U", settings_dict["USER"], settings_dict["NAME"]],
            capture_output=True, check=True,
        )  # fmt: skip
        assert SENTINEL.encode() not in dump.stdout
    # The service records stay, without identity.
    client.refresh_from_db()
    assert client.cases.count() == 1 and client.display_name == "(erased)"
    assert client.given_name_latin is None


def test_retention_lists_clients_due_for_the_director(cast: Cast) -> None:
    from wholejourney.erasure.selectors import due_for_erasure

    services.retention_rule_set(actor=cast.director, office=cast.kh, years_after_closure=5, years_after_adulthood=3)
    today = timezone.localdate()
    old = make_client(cast.case_manager, registered_at=timezone.now() - datetime.timedelta(days=365 * 9))
    child = make_client(
        cast.case_manager,
        date_of_birth=today.replace(year=today.year - 19),
        registered_at=timezone.now() - datetime.timedelta(days=365 * 9),
    )
    recent = make_client(cast.case_manager)
    open_case = make_client(cast.case_manager, registered_at=timezone.now() - datetime.timedelta(days=365 * 9))
    make_case(cast.case_manager, open_case, opened_on=today - datetime.timedelta(days=365 * 8))

    due = set(due_for_erasure(cast.kh, today))

    assert old in due
    assert not {child, recent, open_case} & due
    director = HttpClient()
    director.force_login(cast.director)
    page = director.get(reverse("erasure:retention")).content.decode()
    assert old.code in page and child.code not in page
    assert "Due for erasure" in director.get("/").content.decode()
    # Listed, not erased.
    old.refresh_from_db()
    assert old.erased_at is None
