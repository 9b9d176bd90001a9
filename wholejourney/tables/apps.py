from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TablesConfig(AppConfig):
    name = "wholejourney.tables"
    label = "tables"
    verbose_name = _("Tables")

    def ready(self) -> None:
        # Saved tables marked "in the report" are added to the report's editions.
        from wholejourney.tables import report_tables  # noqa: F401
