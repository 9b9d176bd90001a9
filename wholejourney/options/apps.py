from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OptionsConfig(AppConfig):
    name = "wholejourney.options"
    label = "options"
    verbose_name = _("Option lists")
