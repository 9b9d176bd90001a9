from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "wholejourney.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Each kind of record a notification can point at registers how to check it and link it.
        from wholejourney.notifications import targets  # noqa: F401
