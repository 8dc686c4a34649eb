"""Every write of the core, one module per concern; import them from here."""

from deals.services.approvals import approval_approve, approval_return
from deals.services.comments import deal_comment_add, mentions_not_sent_message
from deals.services.deals import (
    ALLOWED_UPLOAD_EXTENSIONS,
    AvailableMove,
    company_create,
    company_update,
    contact_create,
    contact_update,
    deal_available_moves,
    deal_create,
    deal_lock,
    deal_move,
    deal_set_automation_fields,
    deal_stage_check,
    deal_update,
    validate_upload,
)
from deals.services.handoffs import deal_handoff
from deals.services.tasks import (
    can_work_on_task,
    task_assign,
    task_assignee_check,
    task_comment_add,
    task_create,
)

__all__ = [
    "ALLOWED_UPLOAD_EXTENSIONS",
    "AvailableMove",
    "approval_approve",
    "approval_return",
    "can_work_on_task",
    "company_create",
    "company_update",
    "contact_create",
    "contact_update",
    "deal_available_moves",
    "deal_comment_add",
    "deal_create",
    "deal_handoff",
    "deal_lock",
    "deal_move",
    "deal_set_automation_fields",
    "deal_stage_check",
    "deal_update",
    "mentions_not_sent_message",
    "task_assign",
    "task_assignee_check",
    "task_comment_add",
    "task_create",
    "validate_upload",
]
