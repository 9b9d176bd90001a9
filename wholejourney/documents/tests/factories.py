"""Documents for tests that need one without its file (access checks answer before any file is read)."""

from __future__ import annotations

import uuid

from wholejourney.cases.tests.factories import DAY, make_client
from wholejourney.clients.models import Consent, ConsentKind
from wholejourney.clients.services import consent_record
from wholejourney.conftest import Cast
from wholejourney.documents.models import Document, DocumentKind
from wholejourney.erasure.models import ErasureRequest


def kh_document(cast: Cast) -> Document:
    client = make_client(cast.case_manager)
    return Document.objects.create(
        client=client,
        kind=DocumentKind.OTHER,
        content_type="application/pdf",
        stored_name=f"documents/{uuid.uuid4().hex}.bin",
        uploaded_by=cast.case_manager,
    )


def kh_consent(cast: Cast) -> Consent:
    client = make_client(cast.case_manager)
    return consent_record(actor=cast.case_manager, client=client, kind=ConsentKind.SERVICES, given_on=DAY)


def kh_erasure_request(cast: Cast) -> ErasureRequest:
    from wholejourney.erasure.services import erasure_request

    return erasure_request(
        actor=cast.case_manager, client=make_client(cast.case_manager), reason="Asked by the client."
    )
