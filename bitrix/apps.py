from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Bitrix24Config(AppConfig):
    name = "bitrix"
    verbose_name = _("Bitrix24")
