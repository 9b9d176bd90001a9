"""Fixtures of the notification tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from wholejourney.notifications.email_url import parse
from wholejourney.notifications.tests.smtp_server import Inbox, free_port


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for name, value in parse(f"smtp://127.0.0.1:{port}").items():
        setattr(settings, name, value)
    try:
        yield inbox
    finally:
        controller.stop()
