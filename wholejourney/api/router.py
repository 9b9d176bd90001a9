"""The JSON API at /api/v1/: one NinjaAPI mounting each app's router (`<app>/api.py`).

Every operation authenticates with a personal token (read-only tokens cannot write), declares
the permission it needs with `@allow(...)` (checked for every operation by `enforce_permission`),
and answers failures in the one error format of `api.errors`.
The OpenAPI document is served at /api/v1/openapi.json and committed as docs/openapi.json
(`wholejourney openapi` rewrites it; a test fails when they differ).
"""

from __future__ import annotations

import json
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.utils import normalize_path, replace_path_param_notation

from wholejourney.accounts.roles import Permission
from wholejourney.api import errors
from wholejourney.api.auth import enforce_permission, read_token
from wholejourney.api.parser import WITHOUT_NUL, CleaningParser, refuse_nul_characters
from wholejourney.care.api import router as care_router
from wholejourney.cases.api import router as cases_router
from wholejourney.clients.api import router as clients_router
from wholejourney.clients.consent_api import router as consent_router
from wholejourney.core.corrections.api import router as corrections_router
from wholejourney.documents.api import router as documents_router
from wholejourney.outcomes.api import router as outcomes_router
from wholejourney.programmes.api import router as programmes_router
from wholejourney.reporting.api import router as reporting_router

DESCRIPTION = """Whole Journey's records as JSON, with the same rules as the pages: the same
permissions (a record outside your caseload is 404), the same audit trail (every read of a client
is recorded) and the same validation messages, in your language.

Authenticate with a personal token made on your account page (*API tokens*):
`Authorization: Bearer wj_…`. A read-only token cannot change anything.

Lists are paged by cursor: pass the `next_cursor` of a page as `cursor` to get the next one;
`null` means there is no more. Every error has the form
`{"error": {"code": "…", "message": "…", "fields": {"field": ["…"]}}}`, but for one: an address
longer than the web server reads (its request line: 4,094 bytes, the query included) is answered
414 by the web server itself, with an HTML page. No valid request is that long."""

# The web server's own limit on the request line (gunicorn's limit_request_line, as `serve` runs it).
REQUEST_LINE_LIMIT = 4094

# Answers that do not depend on an operation's code, added to every operation's documentation.
BODY_TOO_LARGE = {
    "description": "The body is larger than the API reads at once (DATA_UPLOAD_MAX_MEMORY_SIZE).",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}
URI_TOO_LONG = {
    "description": (
        f"The request line is longer than the web server reads ({REQUEST_LINE_LIMIT} bytes): the web "
        "server's own answer, an HTML page."
    ),
    "content": {"text/html": {"schema": {"type": "string"}}},
}


class DocumentedApi(NinjaAPI):
    """The API, whose OpenAPI document also declares what is checked before an operation's code
    runs: 413 for a body too large to read (operations with a body), 414 for an address too long,
    and no NUL character in any text of a request (api.parser)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.get("components", {}).get("schemas", {})
        for operations in schema["paths"].values():
            for operation in operations.values():
                answers = operation["responses"]
                if "requestBody" in operation:
                    answers.setdefault(413, BODY_TOO_LARGE)
                answers.setdefault(414, URI_TOO_LONG)
                _texts_without_nul(operation.get("requestBody", {}), components)
                _texts_without_nul(operation.get("parameters", []), components)
        return schema


def _texts_without_nul(node: Any, components: dict[str, Any], seen: set[str] | None = None) -> None:
    """Write the parser's refusal of NUL characters into every free text of a request's schema
    (and of the components it refers to); a text with a pattern, a format or choices has its own."""
    seen = set() if seen is None else seen
    if isinstance(node, list):
        for item in node:
            _texts_without_nul(item, components, seen)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "string" and not {"pattern", "format", "enum"} & set(node):
        node["pattern"] = WITHOUT_NUL
    reference = node.get("$ref", "")
    if reference.startswith("#/components/schemas/") and reference not in seen:
        seen.add(reference)
        _texts_without_nul(components.get(reference.rsplit("/", 1)[1]), components, seen)
    for value in node.values():
        _texts_without_nul(value, components, seen)


def _openapi_access(view: Any) -> Any:
    """The document is for anyone who may use the API: a token, or a signed-in session."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated and read_token(request) is None:
            body = errors.ErrorOut(
                error=errors.ErrorDetail(code="unauthenticated", message="Send a valid API token.", fields={})
            )
            return JsonResponse(body.model_dump(), status=401)
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return guarded


def build_api() -> NinjaAPI:
    api = DocumentedApi(
        title="Whole Journey API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api-v1",
        auth=read_token,
        docs_url=None,
        openapi_url="/openapi.json",
        docs_decorator=_openapi_access,
        parser=CleaningParser(),
    )
    errors.install(api)
    api.add_decorator(enforce_permission, mode="operation")
    api.add_decorator(refuse_nul_characters, mode="operation")
    for router in (
        clients_router,
        cases_router,
        care_router,
        outcomes_router,
        programmes_router,
        reporting_router,
        documents_router,
        consent_router,
        corrections_router,
    ):
        api.add_router("/", router)
    return api


api = build_api()


def _permissions_by_route() -> dict[str, tuple[Permission, ...]]:
    """What the operations at each route declare (a route serves e.g. GET and POST)."""
    found: dict[str, list[Permission]] = {}
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            route = normalize_path("/".join(p for p in (bound.prefix, path) if p))
            route = replace_path_param_notation(route).lstrip("/")
            for operation in path_view.operations:
                found.setdefault(route, []).extend(getattr(_original(operation.view_func), "wj_permission", ()))
    return {route: tuple(dict.fromkeys(perms)) for route, perms in found.items()}


def _original(func: Any) -> Any:
    while hasattr(func, "__wrapped__"):
        func = func.__wrapped__
    return func


def urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """The API's URL patterns, each labelled with what its operations declare, for the
    URL-walking test: every URL of the project says who may use it (an operation that declares
    nothing is labelled with nothing, and fails that test)."""
    patterns, app_name, namespace = api.urls
    declared = _permissions_by_route()
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            continue
        pattern.callback = _json_method_not_allowed(pattern.callback)
        if pattern.name in ("openapi-json", "api-root"):
            pattern.callback.wj_permission = Permission.SIGNED_IN  # type: ignore[attr-defined]
        elif declared.get(str(pattern.pattern)):
            pattern.callback.wj_permission = declared[str(pattern.pattern)]  # type: ignore[attr-defined]
    patterns.append(re_path(r"^[\s\S]*$", _no_such_operation, name="not_found"))
    return patterns, app_name, namespace


def _error_response(status: int, code: str, message: str) -> JsonResponse:
    body = errors.ErrorOut(error=errors.ErrorDetail(code=code, message=message, fields={}))
    return JsonResponse(body.model_dump(), status=status)


def _json_method_not_allowed(view: Any) -> Any:
    """Ninja answers a method an address does not serve with a bare 405; give it the one format."""

    @wraps(view)
    def answered(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            response = _error_response(
                405,
                "method_not_allowed",
                _("This address does not take that method (it takes: %(allowed)s).") % {"allowed": allowed},
            )
            response["Allow"] = allowed
        return response

    return csrf_exempt(answered)


@csrf_exempt
def _no_such_operation(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any other address under /api/v1/ (an unknown path, an id that is not a number): the one
    error format, not the site's HTML page."""
    error = errors.not_found()
    return _error_response(404, error.code, error.message)


# It reveals nothing to anyone; labelled like the document, for the URL-walking test.
_no_such_operation.wj_permission = Permission.SIGNED_IN  # type: ignore[attr-defined]


def openapi_document() -> str:
    """The OpenAPI document as committed in docs/openapi.json."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
