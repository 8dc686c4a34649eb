"""Stage-entry automation of the warehouse (registered from ``WarehouseConfig.ready``)."""

from deals.automation import on_stage_entry
from warehouse.services import RESULT_FIELD, warehouse_task_create


def create_warehouse_task(deal, change) -> None:
    """Entering «Направить заявку на склад» creates the warehouse task and tells the staff."""
    warehouse_task_create(deal=deal, change=change)


for _pipeline in RESULT_FIELD:
    on_stage_entry(_pipeline, "to_warehouse", key="warehouse_task")(create_warehouse_task)
