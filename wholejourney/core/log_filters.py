"""Logging filters: what may leave the application in a log line."""

from __future__ import annotations

import logging


class NoRequestDetails(logging.Filter):
    """Keep only the method, path and request id of a request attached to a log record.

    Django attaches the whole request to the records it writes about one ("Not Found",
    "Internal Server Error", "Forbidden (CSRF …)"). Its repr holds the query string, and handlers
    that serialise the record (JSON, an error tracker, the admin e-mail) print that and the form
    fields: a client search (`?q=<name>`) would put a survivor's name or phone number in the logs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            method = getattr(request, "method", "") or ""
            path = getattr(request, "path", "") or ""
            request_id = getattr(request, "request_id", "")
            record.request = f"{method} {path}".strip() + (f" [{request_id}]" if request_id else "")
        return True
