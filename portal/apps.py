from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The client's area at /client/: their company's requests, the recount to agree, invoices."""

    name = "portal"
    verbose_name = _("Client portal")
