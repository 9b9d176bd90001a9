"""The report's prose and stories: a story names a survivor only by the pseudonym of a standing
story consent; publishing is refused otherwise; no photograph can ever be part of a report."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.test import Client as HttpClient
from django.utils import timezone

from wholejourney.clients import services as client_services
from wholejourney.clients.models import Consent, ConsentKind
from wholejourney.conftest import Cast
from wholejourney.reporting import assembly, pdf, selectors, services
from wholejourney.reporting.models import ReportNarrative, Story
from wholejourney.reporting.registry import Period

TODAY = timezone.localdate()
PERIOD = Period.year(TODAY.year - 1)


def _story_consent(cast: Cast, *, pseudonym: str = "Kolap", name: str = "Sreymom") -> Consent:
    client = client_services.client_create(
        actor=cast.director,
        office=cast.kh,
        team=cast.team,
        given_name_latin=name,
        family_name_latin="Heng",
        sex="female",
        birth_year=1990,
    )
    return client_services.consent_record(
        actor=cast.director,
        client=client,
        kind=ConsentKind.STORY,
        given_on=TODAY - datetime.timedelta(days=30),
        pseudonym=pseudonym,
    )


def _narrative(cast: Cast) -> ReportNarrative:
    return services.narrative_save(
        actor=cast.me_officer,
        office=cast.kh,
        period=PERIOD,
        language="en",
        letter="Dear supporters,\nthank you.",
        signature="Country Director",
        introductions={"heal": "Survivors were supported."},
    )


def test_story_under_a_standing_consent_is_published(cast: Cast) -> None:
    narrative = _narrative(cast)
    consent = _story_consent(cast)
    services.story_save(
        actor=cast.me_officer, narrative=narrative, consent=consent, title="Kolap's story", body="She runs a shop."
    )

    services.narrative_publish(actor=cast.director, narrative=narrative)

    narrative.refresh_from_db()
    assert narrative.status == ReportNarrative.Status.PUBLISHED
    assert [story.title for story in selectors.stories_to_tell(narrative)] == ["Kolap's story"]


def test_publishing_a_story_whose_consent_was_withdrawn_is_refused(cast: Cast) -> None:
    narrative = _narrative(cast)
    consent = _story_consent(cast)
    services.story_save(actor=cast.me_officer, narrative=narrative, consent=consent, title="Kolap", body="A story.")
    client_services.consent_withdraw(actor=cast.director, consent=consent, withdrawn_on=TODAY)

    with pytest.raises(ValidationError) as refused:
        services.narrative_publish(actor=cast.director, narrative=narrative)

    assert "withdrew their consent" in " ".join(refused.value.messages)
    narrative.refresh_from_db()
    assert narrative.status == ReportNarrative.Status.DRAFT


def test_a_story_needs_a_story_consent(cast: Cast) -> None:
    narrative = _narrative(cast)
    story_consent = _story_consent(cast)
    services_consent = Consent.objects.create(
        client=story_consent.client, kind=ConsentKind.SERVICES, given_on=TODAY, recorded_by=cast.director
    )

    with pytest.raises(ValidationError) as refused:
        services.story_save(
            actor=cast.me_officer, narrative=narrative, consent=services_consent, title="T", body="A story."
        )

    assert "consent to tell their story" in " ".join(refused.value.messages)
    assert not Story.objects.exists()


def test_a_story_that_names_the_client_is_refused_without_repeating_the_name(cast: Cast) -> None:
    narrative = _narrative(cast)
    consent = _story_consent(cast, name="Sreymom")

    with pytest.raises(ValidationError) as refused:
        services.story_save(
            actor=cast.me_officer, narrative=narrative, consent=consent, title="Kolap", body="Sreymom came to us."
        )

    messages = " ".join(refused.value.messages)
    assert "names the client" in messages
    assert "Sreymom" not in messages


def test_a_consent_withdrawn_after_publishing_takes_the_story_out_of_the_report(cast: Cast) -> None:
    narrative = _narrative(cast)
    consent = _story_consent(cast)
    services.story_save(actor=cast.me_officer, narrative=narrative, consent=consent, title="Kolap", body="A story.")
    services.narrative_publish(actor=cast.director, narrative=narrative)

    client_services.consent_withdraw(actor=cast.director, consent=consent, withdrawn_on=TODAY)

    assert selectors.stories_to_tell(narrative) == []


def test_a_change_to_a_published_narrative_makes_it_a_draft_again(cast: Cast) -> None:
    narrative = _narrative(cast)
    services.narrative_publish(actor=cast.director, narrative=narrative)

    services.story_save(
        actor=cast.me_officer, narrative=narrative, consent=_story_consent(cast), title="Kolap", body="A story."
    )

    narrative.refresh_from_db()
    assert narrative.status == ReportNarrative.Status.DRAFT


def test_an_me_officer_writes_the_narrative_but_a_director_publishes_it(cast: Cast) -> None:
    narrative = _narrative(cast)

    with pytest.raises(PermissionDenied):
        services.narrative_publish(actor=cast.me_officer, narrative=narrative)


def test_a_case_manager_cannot_write_the_narrative(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        services.narrative_save(
            actor=cast.case_manager, office=cast.kh, period=PERIOD, language="en", letter="", signature="",
            introductions={},
        )  # fmt: skip


def test_stories_are_encrypted_under_the_clients_key(cast: Cast) -> None:
    narrative = _narrative(cast)
    consent = _story_consent(cast)
    story = services.story_save(
        actor=cast.me_officer, narrative=narrative, consent=consent, title="Kolap", body="She runs a shop."
    )

    stored = Story.objects.filter(pk=story.pk).values_list("body", flat=True).get()

    assert "shop" not in stored
    assert Story.objects.get(pk=story.pk).body == "She runs a shop."


def test_no_report_model_can_hold_a_picture() -> None:
    from django.apps import apps

    files = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("reporting").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    assert files == []


def test_markup_in_a_story_is_shown_as_text_never_as_an_image(cast: Cast) -> None:
    narrative = _narrative(cast)
    consent = _story_consent(cast)
    services.story_save(
        actor=cast.me_officer,
        narrative=narrative,
        consent=consent,
        title="Kolap",
        body='<img src="https://example.org/face.jpg"> A story.',
    )
    services.narrative_publish(actor=cast.director, narrative=narrative)
    report = assembly.build_report(period=PERIOD, office=cast.kh, edition="external")
    selectors.attach_narrative(report, "en")

    html = pdf.render_html(report)

    assert "<img" not in html
    assert "&lt;img" in html
    assert "Kolap" in html and "Dear supporters" in html


def test_the_story_form_offers_pseudonyms_never_names_or_codes(client: HttpClient, cast: Cast) -> None:
    narrative = _narrative(cast)
    consent = _story_consent(cast, pseudonym="Kolap", name="Sreymom")
    client.force_login(cast.me_officer)

    page = client.get(f"/reports/narratives/{narrative.pk}/stories/new/").content.decode()

    assert "Kolap" in page
    assert "Sreymom" not in page and consent.client.code not in page


def test_publishing_from_the_page_shows_why_it_was_refused(client: HttpClient, cast: Cast) -> None:
    narrative = _narrative(cast)
    consent = _story_consent(cast)
    services.story_save(actor=cast.me_officer, narrative=narrative, consent=consent, title="Kolap", body="A story.")
    client_services.consent_withdraw(actor=cast.director, consent=consent, withdrawn_on=TODAY)
    client.force_login(cast.director)

    response = client.post(f"/reports/narratives/{narrative.pk}/publish/", follow=True)

    assert "withdrew their consent" in response.content.decode()
    narrative.refresh_from_db()
    assert narrative.status == ReportNarrative.Status.DRAFT


def test_the_narrative_editor_saves_a_draft(client: HttpClient, cast: Cast) -> None:
    client.force_login(cast.me_officer)
    query = f"office=KH&date_from={PERIOD.start}&date_to={PERIOD.end}"

    response = client.post(f"/reports/narrative/?{query}", {"letter": "Dear all", "intro_prevent": "Groups met."})

    narrative = ReportNarrative.objects.get()
    assert response.status_code == 302
    assert narrative.letter == "Dear all"
    assert narrative.introductions == {"prevent": "Groups met."}
    assert (narrative.period_start, narrative.period_end) == (PERIOD.start, PERIOD.end)
