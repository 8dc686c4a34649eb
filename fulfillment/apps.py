from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = _("Fulfillment CRM")

    def ready(self) -> None:
        # A password change revokes the user's API tokens (a signal receiver).
        from fulfillment.api import tokens  # noqa: F401
