"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

# Playwright's sync API keeps an event loop in the test thread, which makes Django refuse ORM calls
# there (SynchronousOnlyOperation). The fixtures below only touch the database between page actions,
# never concurrently, so Django's documented escape hatch is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")

# CI runs the suite twice on a 2-core machine, once on PostgreSQL; Playwright's 5 s default for
# an expectation is too short there. A real failure still fails, 20 s later.
expect.set_options(timeout=20_000)
# Without these Chromium tries to reach the network (updates, sync, QUIC) and stalls offline.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
DEMO_PASSWORD = "whole-journey-demo"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests need Debian's Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo organisation: offices, teams and accounts, all with DEMO_PASSWORD."""
    from wholejourney.demo.accounts import build_accounts

    monkeypatch.delenv("WJ_DEMO_PASSWORD", raising=False)
    build_accounts()


@dataclass
class Console:
    """What the page said on its console, and the script errors it threw."""

    errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [m for m in self.errors if "Content Security Policy" in m or "Content-Security-Policy" in m]


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Any, live_server: Any, demo: None, console: Console) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", lambda msg: console.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))
    yield page
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 800}


def sign_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form; with the right password, wait until the signed-in page is shown."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if password == DEMO_PASSWORD:
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def go_home(page: Any) -> None:
    """Click the brand and wait for home to load. The page before may be home too, so waiting for
    the address would not do: asked before the new page is there, the old page answers."""
    with page.expect_navigation():
        page.locator("a.brand").click()


def main_menu(page: Any) -> Any:
    """The main navigation, its links in reach: on a phone they are behind the "Menu" button.
    Call it once the page is loaded (after `go_home` or an `expect` on the new page)."""
    nav = page.locator("nav.main-nav")  # its accessible name is translated
    menu = nav.locator("details.nav-menu")
    if menu.is_visible() and menu.get_attribute("open") is None:
        menu.locator("summary").click()
    return nav


def sign_out(page: Any) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)


def assert_no_horizontal_scroll(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {page.viewport_size['width']}px"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """Uploaded and generated files go to the test's own folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.fixture
def background_worker(settings: Any) -> None:
    """Queue tasks in the database, as in production, instead of running them inside the request;
    the test runs them with `run_the_worker` once it has seen the page wait."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_the_worker() -> None:
    from django.core.management import call_command

    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
