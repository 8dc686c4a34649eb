"""Warehouse tasks: created on entering «Направить заявку на склад», result copied to the deal,
a return creates a new task with the client's corrections."""

import pytest
from django.core.files.base import ContentFile

from deals import services
from deals.models import Deal, Task
from fulfillment.models import Notification
from fulfillment.roles import Role
from tests.factories import UserFactory, make_deal
from warehouse import services as warehouse
from warehouse.models import DefaultAssignee
from warehouse.services import RESULT_FIELD, RESULT_REQUIRED

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("pipeline", sorted(RESULT_FIELD))
def test_entering_to_warehouse_creates_one_task_for_the_queue(pipeline, manager, worker, committed):
    other_worker = UserFactory(role=Role.WAREHOUSE)
    deal = make_deal(pipeline, "new", responsible=manager, comment="Хрупкое")
    with committed():
        services.deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    task = Task.objects.get(deal=deal)
    assert (task.kind, task.status, task.queue, task.assignee) == (
        "warehouse",
        "new",
        "Кладовщик",
        None,
    )
    assert deal.company.name in task.description and "Хрупкое" in task.description
    assert "1000" not in task.description  # no money in a warehouse task
    told = set(
        Notification.objects.filter(event="warehouse_task_created").values_list(
            "recipient", flat=True
        )
    )
    assert told == {worker.pk, other_worker.pk}


def test_acceptance_description_is_built_from_the_deal(manager, committed):
    deal = make_deal(
        "acceptance",
        "new",
        responsible=manager,
        boxes=12,
        units=340,
        acceptance_type="quality_check",
    )
    with committed():
        services.deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    task = Task.objects.get(deal=deal)
    description = task.description
    # Named by the work, and each line by its field's own label (as on the deal's card).
    assert task.title == f"Приемка: {deal.company.name}, 12 коробов"
    assert "Количество коробов (мест): 12" in description
    assert "Количество единиц: 340" in description
    assert "Тип приемки: С проверкой качества" in description
    assert "01.12.2026" in description


def test_default_assignee_set_by_the_admin_gets_the_task(manager, worker, committed):
    DefaultAssignee.objects.create(pipeline="shipment", assignee=worker)
    deal = make_deal("shipment", "new", responsible=manager)
    with committed():
        services.deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    task = Task.objects.get(deal=deal)
    assert task.assignee == worker
    assert list(Notification.objects.values_list("recipient", flat=True)) == [worker.pk]


def test_completion_needs_a_result_and_copies_the_file_to_the_deal(manager, worker, committed):
    deal = make_deal("acceptance", "new", responsible=manager)
    with committed():
        services.deal_move(deal=deal, transition="to_to_warehouse", actor=manager)
    task = Task.objects.get(deal=deal)
    warehouse.work_start(task=task, worker=worker)
    with pytest.raises(services.tasks.TaskError, match=str(RESULT_REQUIRED)):
        warehouse.warehouse_task_complete(task=task, worker=worker)

    comment = services.task_comment_add(
        task=task,
        author=worker,
        text="Пересчитано",
        is_result=True,
        file=ContentFile(b"sku;qty\n1;10\n", name="recount.csv"),
    )
    with committed():
        warehouse.warehouse_task_complete(task=task, worker=worker)

    task.refresh_from_db()
    assert (task.status, task.result_comment) == (Task.Status.DONE, comment)
    assert not task.work_sessions.filter(stopped_at__isnull=True).exists()
    deal = Deal.objects.get(pk=deal.pk)
    assert deal.recount_file.name == comment.file.name
    assert Notification.objects.filter(recipient=manager, event="task_result_ready").exists()
    services.deal_move(deal=deal, transition="to_recount_approval", actor=manager)


def test_return_to_the_warehouse_creates_a_new_task_with_the_corrections(
    manager, worker, committed
):
    deal = make_deal("processing", "result_approval", responsible=manager)
    with committed():
        services.deal_move(
            deal=deal,
            transition="return_to_to_warehouse",
            actor=manager,
            comment="Клиент просит переклеить этикетки на 20 шт.",
        )
    task = Task.objects.get(deal=deal)
    # A redo stands out: said first in the title, the corrections first in the text.
    assert task.title.startswith("Повторно, с правками клиента. Обработка: ")
    assert task.description.startswith(
        "Правки клиента: Клиент просит переклеить этикетки на 20 шт."
    )
    assert Notification.objects.filter(text__contains="Повторно, с правками клиента").exists()
    assert not Deal.objects.get(pk=deal.pk).processing_report_file
