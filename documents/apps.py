from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """Price list, our company's requisites, and the КП, invoice and act made from them."""

    name = "documents"
    verbose_name = _("Documents")
