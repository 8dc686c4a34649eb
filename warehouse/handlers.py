"""Stage-entry automation of the warehouse and its reaction to a cancelled task (registered
from ``WarehouseConfig.ready``)."""

from django.utils.translation import gettext_lazy as _

from deals.automation import on_stage_entry
from deals.services.tasks import on_task_cancelled
from warehouse.services import RESULT_FIELD, sessions_stop_on_cancel, warehouse_task_create


def create_warehouse_task(deal, change) -> None:
    """Entering «Направить заявку на склад» creates the warehouse task and tells the staff."""
    warehouse_task_create(deal=deal, change=change)


for _pipeline in RESULT_FIELD:
    on_stage_entry(_pipeline, "to_warehouse", key="warehouse_task", label=_("the warehouse task"))(
        create_warehouse_task
    )


# A deal that leaves «Направить заявку на склад» (failed, or moved on) cancels its task in the
# core; the clock of whoever was working on it stops then.
on_task_cancelled(sessions_stop_on_cancel)
