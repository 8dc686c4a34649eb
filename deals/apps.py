from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = _("Deals")

    def ready(self) -> None:
        from deals import handlers  # noqa: F401  (registers the core's automation)
        from deals.selectors import deal_file_access
        from deals.staff import connect_signals
        from fulfillment.files import register_file_access

        register_file_access(deal_file_access)
        connect_signals()
