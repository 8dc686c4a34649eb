from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The client's area at /client/: their company's requests, the recount to agree, invoices."""

    name = "portal"
    verbose_name = _("Client portal")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from fulfillment.files import register_file_access
        from portal import card
        from portal.files import client_file_access
        from portal.middleware import mark_client_session

        card.register()
        register_file_access(client_file_access)
        user_logged_in.connect(mark_client_session, dispatch_uid="portal.mark_client_session")
