"""Transfers between offices (issue 21): asked, approved by the sending director, accepted by the
receiving one; the receiving office sees the whole record, the sending one only its entry; each
office's report counts the client for its own months, the whole organisation once."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as HttpClient

from wholejourney.accounts.roles import Role
from wholejourney.audit.models import AuditEvent
from wholejourney.care import services as care_services
from wholejourney.care.models import Visit
from wholejourney.cases import transfers
from wholejourney.cases.models import Case, CaseStatus, Transfer
from wholejourney.cases.tests.factories import make_case, make_client
from wholejourney.clients.models import Client
from wholejourney.clients.search import search_clients
from wholejourney.conftest import Cast
from wholejourney.core.tests.factories import make_user
from wholejourney.reporting.registry import Period, get_metric

D = datetime.date


def _browser(user: Any) -> HttpClient:
    browser = HttpClient()
    browser.force_login(user)
    return browser


@pytest.fixture
def vn_director(cast: Cast) -> Any:
    return make_user(Role.DIRECTOR, office=cast.vn, username="vn.director")


@pytest.fixture
def client_in_kh(cast: Cast) -> Client:
    client = make_client(cast.case_manager, given_name_latin="Sentinelmaly")
    make_case(cast.case_manager, client=client, opened_on=D(2023, 1, 10))
    care_services.visit_record(actor=cast.case_manager, client=client, mode="home", visited_on=D(2023, 3, 1))
    return client


MOVED = D(2023, 7, 1)


def _accepted(cast: Cast, vn_director: Any, client: Client, day: datetime.date = MOVED) -> Transfer:
    transfer = transfers.transfer_request(
        actor=cast.case_manager, client=client, to_office=cast.vn, reason="Repatriated with her family"
    )
    transfers.transfer_approve(actor=cast.director, transfer=transfer, approve=True)
    return transfers.transfer_receive(actor=vn_director, transfer=transfer, accept=True, effective_on=day)


def test_an_accepted_transfer_gives_the_whole_record_to_the_receiving_office(
    cast: Cast, vn_director: Any, client_in_kh: Client
) -> None:
    transfer = _accepted(cast, vn_director, client_in_kh)

    client = Client.objects.get(pk=client_in_kh.pk)
    assert client.office == cast.vn and client.case_manager is None
    old, new = Case.objects.filter(client=client).order_by("opened_on")
    assert (old.office, old.status, old.closed_on) == (cast.kh, CaseStatus.CLOSED, D(2023, 7, 1))
    assert (new.office, new.status, new.opened_on) == (cast.vn, CaseStatus.OPEN, D(2023, 7, 1))
    # VN staff see the whole record, its history with it; KH staff no longer.
    vn = _browser(vn_director)
    assert vn.get(f"/clients/{client.pk}/").status_code == 200
    assert "Sentinelmaly" in vn.get(f"/clients/{client.pk}/").content.decode()
    assert vn.get(f"/clients/{client.pk}/timeline/").status_code == 200
    for kh_user in (cast.case_manager, cast.director):
        assert _browser(kh_user).get(f"/clients/{client.pk}/").status_code == 404
    # KH keeps its entry: the code, the dates, where to; not the reason once the client is gone.
    entry = _browser(cast.director).get("/transfers/").content.decode()
    assert client.code in entry and "KH → VN" in entry and "Repatriated" not in entry
    assert "Sentinelmaly" not in entry
    # Found by search in VN, not in KH.
    assert [c.pk for c in search_clients(actor=vn_director, text="Sentinelmaly").visible] == [client.pk]
    assert not search_clients(actor=cast.case_manager, text="Sentinelmaly").any
    # Both sides are in the audit trail.
    offices = set(
        AuditEvent.objects.filter(object_type="cases.transfer", object_id=str(transfer.pk)).values_list(
            "office_code", flat=True
        )
    )
    assert offices == {"KH", "VN"}


def test_a_declined_transfer_changes_nothing(cast: Cast, vn_director: Any, client_in_kh: Client) -> None:
    transfer = transfers.transfer_request(
        actor=cast.case_manager, client=client_in_kh, to_office=cast.vn, reason="Moved"
    )
    transfers.transfer_approve(actor=cast.director, transfer=transfer, approve=True)
    with pytest.raises(ValidationError):
        transfers.transfer_receive(actor=vn_director, transfer=transfer, accept=False, note=" ")

    transfers.transfer_receive(actor=vn_director, transfer=transfer, accept=False, note="No place for her")

    client = Client.objects.get(pk=client_in_kh.pk)
    assert (client.office, client.case_manager) == (cast.kh, cast.case_manager)
    assert Case.objects.get(client=client).status == CaseStatus.OPEN
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.DECLINED


def test_only_the_two_directors_decide_in_their_turn(cast: Cast, vn_director: Any, client_in_kh: Client) -> None:
    transfer = transfers.transfer_request(
        actor=cast.case_manager, client=client_in_kh, to_office=cast.vn, reason="Moved"
    )
    for wrong in (cast.case_manager, vn_director, cast.other_office, cast.me_officer):
        with pytest.raises(PermissionDenied):
            transfers.transfer_approve(actor=wrong, transfer=transfer, approve=True)
    with pytest.raises(ValidationError):  # not yet approved by the sending office
        transfers.transfer_receive(actor=vn_director, transfer=transfer, accept=True)
    transfers.transfer_approve(actor=cast.director, transfer=transfer, approve=True)
    for wrong in (cast.director, cast.other_office):
        with pytest.raises(PermissionDenied):
            transfers.transfer_receive(actor=wrong, transfer=transfer, accept=True)
    assert _browser(cast.other_team_colleague).get(f"/clients/{client_in_kh.pk}/transfer/").status_code == 404
    assert _browser(cast.partner).get("/transfers/").status_code == 404


def test_the_report_counts_the_client_in_each_office_for_its_months_and_once_in_all(
    cast: Cast, vn_director: Any, client_in_kh: Client
) -> None:
    _accepted(cast, vn_director, client_in_kh)
    care_services.visit_record(
        actor=vn_director, client=Client.objects.get(pk=client_in_kh.pk), mode="home", visited_on=D(2023, 9, 1)
    )
    year, first_half = Period.year(2023), Period(D(2023, 1, 1), D(2023, 6, 30))
    supported = get_metric("survivors_supported")

    assert supported.compute(year, cast.kh).value == 1
    assert supported.compute(year, cast.vn).value == 1
    assert supported.compute(year, None).value == 1
    assert supported.compute(first_half, cast.vn).value == 0
    assert Visit.objects.filter(case__office=cast.kh).count() == 1
    assert Visit.objects.filter(case__office=cast.vn).count() == 1


def test_each_step_notifies_who_acts_next_and_nobody_else(cast: Cast, vn_director: Any, client_in_kh: Client) -> None:
    from wholejourney.notifications.models import Notification

    def told() -> set[str]:
        return set(Notification.objects.filter(kind="transfer").values_list("recipient__username", flat=True))

    transfer = transfers.transfer_request(
        actor=cast.case_manager, client=client_in_kh, to_office=cast.vn, reason="Moved"
    )
    assert told() == {"director"}
    transfers.transfer_approve(actor=cast.director, transfer=transfer, approve=True)
    assert told() == {"director", "vn.director", "cm"}
    transfers.transfer_receive(actor=vn_director, transfer=transfer, accept=True, effective_on=MOVED)
    assert told() == {"director", "vn.director", "cm"}
    assert not Notification.objects.filter(recipient__in=[cast.other_office, cast.me_officer, cast.colleague]).exists()


def test_the_api_carries_the_same_steps(cast: Cast, vn_director: Any, client_in_kh: Client) -> None:
    from wholejourney.api.models import ApiToken
    from wholejourney.api.tests.conftest import Api
    from wholejourney.api.tests.factories import token_for

    def api(user: Any) -> Api:
        return Api(token_for(user, ApiToken.Scope.WRITE)[1])

    asked = api(cast.case_manager).post(f"/clients/{client_in_kh.pk}/transfers", {"to_office": "VN", "reason": "Moved"})
    assert asked.status_code == 201
    transfer_id = asked.json()["id"]
    assert api(vn_director).post(f"/transfers/{transfer_id}/decide", {"approve": True}).status_code in (403, 404)
    assert api(cast.director).post(f"/transfers/{transfer_id}/decide", {"approve": True}).json()["status"] == "approved"
    done = api(vn_director).post(f"/transfers/{transfer_id}/decide", {"approve": True, "effective_on": "2023-07-01"})

    assert done.status_code == 200 and done.json()["status"] == "accepted"
    assert Client.objects.get(pk=client_in_kh.pk).office == cast.vn
    assert (
        api(cast.other_office)
        .post(f"/clients/{client_in_kh.pk}/transfers", {"to_office": "KH", "reason": "x"})
        .status_code
        == 404
    )
