"""Let Django's CSRF protection work under `Referrer-Policy: no-referrer`.

Under `no-referrer`, browsers post forms with `Origin: null` and no Referer, which Django's origin
check refuses. Browsers also send `Sec-Fetch-Site`, a header no web page can set or forge; when it
says `same-origin`, the request's true origin is our own, so we write that in place of "null" and
let Django's unchanged CsrfViewMiddleware (which also requires the CSRF token) do the rest.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class SameOriginFetchMetadataMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get("HTTP_ORIGIN") == "null" and request.headers.get("Sec-Fetch-Site") == "same-origin":
            request.META["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)
