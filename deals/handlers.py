"""The core's own stage-entry automation (registered from ``DealsConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from deals.automation import on_stage_entry
from deals.models import Task
from deals.services.tasks import task_create
from fulfillment import notifications
from fulfillment.roles import Role


@on_stage_entry(
    "calculation",
    "director_approval",
    key="approval_task",
    label=_l("the director's approval task"),
)
def create_director_approval(deal, change) -> None:
    """Entering «Согласовать КП с ГД» creates the director's approval task and tells them."""
    task, created = task_create(
        deal=deal,
        change=change,
        kind=Task.Kind.APPROVAL,
        title=_("Approve the proposal: %(deal)s") % {"deal": deal.title},
        description=change.comment,
        queue=str(Role.DIRECTOR),
    )
    if created:
        notifications.approval_requested(task=task)
