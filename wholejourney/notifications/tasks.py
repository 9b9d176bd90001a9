"""Background work of notifications, run by the django-tasks worker."""

from __future__ import annotations

from django_tasks import task

from wholejourney.core.task_failures import failures_without_values
from wholejourney.notifications import delivery, reminders, services


@task()
@failures_without_values
def deliver_due() -> int:
    """Send the emails and webhook posts that are due (woken after each event that queues one)."""
    return delivery.deliver_due()


@task()
@failures_without_values
def daily_digest() -> int:
    """Scan the calendar's due work, queue the day's digests, send them, and forget notifications
    older than 90 days."""
    reminders.reminders_build()
    built = delivery.digest_build()
    services.notifications_purge()
    return built
