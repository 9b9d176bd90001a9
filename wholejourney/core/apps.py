from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "wholejourney.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app adds its parts of a client's record from its `client_tabs.py` (core.client_record),
        # and the kinds of due work it owns from its `due.py` (core.due): home and tasks gather them.
        autodiscover_modules("client_tabs")
        autodiscover_modules("due")
