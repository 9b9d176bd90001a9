from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "wholejourney.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from wholejourney.cases.placement_guard import restore_sqlite_triggers

        post_migrate.connect(restore_sqlite_triggers, sender=self, dispatch_uid="cases.placement_guard")
