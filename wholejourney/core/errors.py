"""Error pages in the user's language, inside the page shell where that is safe."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, _("Page not found"), _("There is nothing here, or you do not have access to it."))


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, _("Not allowed"), _("You cannot do this. If you think you should, ask your director."))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, _("Something is wrong with the request"), _("Go back and try again."))


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request or its context processors: whatever failed (the database,
    # the session) may be what they would need.
    return HttpResponse(loader.get_template("core/error_500.html").render({}), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        403,
        _("The form has expired"),
        _("The page was open too long or your session ended. Reload the page and try again."),
    )
