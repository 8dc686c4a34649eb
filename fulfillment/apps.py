from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = _("Fulfillment CRM")

    def ready(self) -> None:
        from django.contrib import admin

        # A password change revokes the user's API tokens (a signal receiver).
        from fulfillment.api import tokens  # noqa: F401

        # The admin site in the product's words, not «Django administration».
        admin.site.site_header = _("Fulfillment CRM: administration")
        admin.site.site_title = _("Fulfillment CRM")
        admin.site.index_title = _("Administration")
