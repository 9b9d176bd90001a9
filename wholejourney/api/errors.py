"""The API's one error format, for every failure:

    {"error": {"code": "invalid", "message": "…", "fields": {"opened_on": ["…"]}}}

`code` is stable and meant for programs; `message` is for people, in the user's language (the same
text the pages show); `fields` maps each input field to its problems (empty when none is to blame).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    ValidationError,
)
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger(__name__)


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorDetail


class ApiError(Exception):
    """Raise from an endpoint to answer with the error format."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def not_found() -> ApiError:
    return ApiError(404, "not_found", _("There is nothing here, or you do not have access to it."))


def forbidden() -> ApiError:
    return ApiError(403, "forbidden", _("Your roles do not allow this."))


# Every operation documents these answers, so a client (and schemathesis) knows their shape.
ERROR_RESPONSES: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}


def responses(ok: Any, status: int = 200) -> dict[int, Any]:
    return {status: ok, **ERROR_RESPONSES}


def _body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def service_error_fields(exc: ValidationError) -> tuple[str, dict[str, list[str]]]:
    """A service's ValidationError as (message, fields): the whole-record messages make the
    message; without any, the field messages do, so a person reading only `message` learns why."""
    rows = getattr(exc, "rows", None)
    if rows is not None:  # a batch (programmes.services.BatchError): every bad row, by row and field
        fields: dict[str, list[str]] = {}
        for row in rows:
            fields.setdefault(f"rows.{row.row}.{row.field}", []).append(str(row.message))
        return " ".join(exc.messages), fields
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages), {}
    fields = {}
    general: list[str] = []
    for name, errors in exc.error_dict.items():
        messages = [str(message) for error in errors for message in error.messages]
        if name == NON_FIELD_ERRORS:
            general += messages
        else:
            fields[name] = messages
    message = " ".join(general) or " ".join(m for messages in fields.values() for m in messages)
    return message, fields


def _request_fields(exc: RequestValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        # loc is (source, parameter, field, …); bodies are always the parameter `data`.
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header", "form"):
            loc = loc[1:]
        if len(loc) > 1 and loc[0] == "data":
            loc = loc[1:]
        fields.setdefault(".".join(loc) or "request", []).append(str(error.get("msg", "")))
    return fields


_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


def install(api: NinjaAPI) -> None:
    """Route every exception an operation can raise to the one format."""

    def answer(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        response = api.create_response(request, body, status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="wholejourney"'
        return response

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return answer(request, exc.status, _body(exc.code, exc.message, exc.fields))

    @api.exception_handler(ValidationError)
    def _service_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        message, fields = service_error_fields(exc)
        return answer(request, 422, _body("invalid", message, fields))

    @api.exception_handler(DataError)
    def _unstorable(request: HttpRequest, exc: DataError) -> HttpResponse:
        # The database refused a value (a NUL character, a number out of range): that is bad
        # input, and the write it belonged to was rolled back with its transaction.
        return answer(request, 422, _body("invalid", _("Some values are missing or not valid."), {}))

    @api.exception_handler(RequestValidationError)
    def _request_error(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
        return answer(request, 422, _body("invalid", _("Some values are missing or not valid."), _request_fields(exc)))

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = _("Send a valid API token: Authorization: Bearer <token>. It may have expired or been revoked.")
        return answer(request, 401, _body("unauthenticated", message))

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = _CODES.get(exc.status_code, "error")
        message = _("The request could not be read.") if exc.status_code == 400 else str(exc)
        return answer(request, exc.status_code, _body(code, message))

    @api.exception_handler(RequestDataTooBig)
    def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE: say the limit.
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        message = _("The request is larger than %(limit)s, the most the API reads at once.") % {"limit": limit}
        return answer(request, 413, _body("too_large", message))

    @api.exception_handler(TooManyFieldsSent)
    def _too_many_fields(request: HttpRequest, exc: TooManyFieldsSent) -> HttpResponse:
        message = _("The request has more than %(count)s values, the most the API reads.") % {
            "count": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
        return answer(request, 400, _body("bad_request", message))

    @api.exception_handler(SuspiciousOperation)
    def _unreadable(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Django's refusals of a malformed request (a bad multipart body, too many files): bad
        # input, as the pages answer it (400), never a server error.
        return answer(request, 400, _body("bad_request", _("The request could not be read.")))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        error = not_found()
        return answer(request, 404, _body(error.code, error.message))

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        # A service refused the actor this object: the same answer as an object that does not exist.
        error = not_found()
        return answer(request, 404, _body(error.code, error.message))

    @api.exception_handler(Exception)
    def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API operation failed", exc_info=exc)
        return answer(request, 500, _body("server_error", _("Something went wrong on our side; it is logged.")))
