"""Serve the web application and run the task worker beside it, as one process group.

Both stop together: Ctrl-C, SIGTERM, or either of them exiting ends the other.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wholejourney.core.checks import refuse_unsafe_production


class Command(BaseCommand):
    help = "Serve Whole Journey on http://HOST:PORT with a background-task worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--no-worker", action="store_true", help="Serve pages only (run `db_worker` elsewhere).")

    def handle(self, *args: Any, **options: Any) -> None:
        # Before anything starts: in production, unsafe settings stop here with what to fix.
        try:
            refuse_unsafe_production()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        python = sys.executable
        web = [
            python, "-m", "gunicorn", "wholejourney.wsgi:application",
            "--bind", f"{options['host']}:{options['port']}",
            "--workers", str(options["workers"]),
            "--threads", "4",
            "--timeout", "120",
            # No access log: request lines carry query strings, which may carry identifying values.
            "--error-logfile", "-",
        ]  # fmt: skip
        worker = [python, "-m", "wholejourney.cli", "db_worker", "--interval", "1"]
        children: dict[str, subprocess.Popen[bytes]] = {"web server": subprocess.Popen(web)}  # noqa: S603
        if not options["no_worker"]:
            children["task worker"] = subprocess.Popen(worker)  # noqa: S603
        self.stdout.write(
            f"Whole Journey on http://{options['host']}:{options['port']}/ (database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )

        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping and all(child.poll() is None for child in children.values()):
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            deadline = time.monotonic() + 10
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        if not stopping:
            exited = [name for name, child in children.items() if child.returncode not in (-signal.SIGTERM, None)]
            raise SystemExit(f"Stopped because the {' and '.join(exited)} exited.")
