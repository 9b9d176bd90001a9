from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "wholejourney.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import pre_save
        from django.utils.module_loading import autodiscover_modules

        from wholejourney.core import checks  # noqa: F401  (registers the production checks)
        from wholejourney.core.text import clean_text_fields, install_form_cleaning

        # Invisible characters are taken out of every text a user gives (core.text): forms read it
        # cleaned, and every model's text is cleaned again on save, whatever saved it.
        install_form_cleaning()
        pre_save.connect(clean_text_fields, dispatch_uid="core.clean_text_fields")

        # Each app adds its parts of a client's record from its `client_tabs.py` (core.client_record),
        # and the kinds of due work it owns from its `due.py` (core.due): home and tasks gather them.
        autodiscover_modules("client_tabs")
        autodiscover_modules("due")
        # The kinds of record each app lets people correct, from its `corrections.py` (core.corrections).
        autodiscover_modules("corrections")
