"""Tests that belong to one database engine: the suite runs on SQLite and again on PostgreSQL, and a
test skipped for the other engine says so with ENGINE_SKIP_MARK. Any other skip fails `.ci/run`
(the root conftest checks under WJ_STRICT_SKIPS), so a missing file can never hide a test."""

from __future__ import annotations

import pytest
from django.db import connection

ENGINE_SKIP_MARK = "[other engine]"


def postgresql_only(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(connection.vendor != "postgresql", reason=f"{ENGINE_SKIP_MARK} {reason}")


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(connection.vendor != "sqlite", reason=f"{ENGINE_SKIP_MARK} {reason}")
