from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarehouseConfig(AppConfig):
    name = "warehouse"
    verbose_name = _("Warehouse")

    def ready(self) -> None:
        from fulfillment.files import register_file_access
        from warehouse import handlers  # noqa: F401  (registers the automation and the cancel reaction)
        from warehouse.push import push_channel_register
        from warehouse.selectors import deal_worker_file_access, task_comment_file_access

        register_file_access(task_comment_file_access)
        register_file_access(deal_worker_file_access)
        push_channel_register()
