from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "wholejourney.reporting"
    label = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        # Each app registers the metrics over its own records in its `metrics.py`.
        autodiscover_modules("metrics")
