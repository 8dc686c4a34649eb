from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarehouseConfig(AppConfig):
    name = "warehouse"
    verbose_name = _("Warehouse")

    def ready(self) -> None:
        from deals.card import (
            CardPanel,
            TimelineSource,
            register_card_panel,
            register_timeline_source,
        )
        from fulfillment.files import register_file_access
        from warehouse import handlers  # noqa: F401  (registers the automation and the cancel reaction)
        from warehouse.push import push_channel_register
        from warehouse.recount_card import recount_file_access, recount_panel, recount_timeline
        from warehouse.selectors import deal_worker_file_access, task_comment_file_access

        register_file_access(task_comment_file_access)
        register_file_access(deal_worker_file_access)
        register_file_access(recount_file_access)
        push_channel_register()
        register_card_panel(
            CardPanel(template="warehouse/_recount_panel.html", context=recount_panel, order=40)
        )
        register_timeline_source(
            TimelineSource(
                kind="recount",
                template="warehouse/_recount_timeline_entry.html",
                entries=recount_timeline,
            )
        )
