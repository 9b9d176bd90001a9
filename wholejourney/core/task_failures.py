"""A background task's failure, kept without the values it was working on.

The task worker (django-tasks' database backend) stores a failed task's traceback in a plain
table, and logs it. An exception's message often quotes the value that broke the work: openpyxl
refuses a cell with "<the client's name> cannot be used in worksheets.", PostgreSQL quotes the
input it could not read. So a task marked `@failures_without_values` fails with the exception's
kind and where it happened in our code, never with its message or what caused it.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class BackgroundTaskFailed(Exception):
    """What the task queue keeps of a failure: the exception's class and the code it went through."""


def failure_summary(exc: BaseException) -> str:
    """The exception's class and each frame it passed (file, line, function): code, no data."""
    kind = type(exc)
    frames = [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(exc.__traceback__)]
    return "\n".join([f"{kind.__module__}.{kind.__qualname__} (message withheld)", *frames])


def failures_without_values(func: Callable[P, R]) -> Callable[P, R]:
    """Put under `@task()`: the task's failure is re-raised as BackgroundTaskFailed, detached from
    the exception (whose message and chained causes are neither stored nor logged)."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 (every failure is reported, without its message)
            summary = failure_summary(exc)
        # Raised outside the handler: not even a suppressed __context__ keeps the original.
        raise BackgroundTaskFailed(summary)

    run.wj_failures_without_values = True  # type: ignore[attr-defined]
    return run
