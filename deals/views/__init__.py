"""The staff pages of the core: boards and lists, the deal card and its moves, companies and
contacts, the director's approval inbox. Views parse, authorize, call one service or selector
and render (a fragment when HTMX asks)."""

from deals.views.approvals import approval_approve, approval_return, approvals
from deals.views.board import board, board_column, deal_table
from deals.views.companies import (
    companies,
    company_detail,
    company_form,
    contact_add,
    contact_detail,
    contact_edit,
)
from deals.views.create import deal_new
from deals.views.deal import (
    deal_comment,
    deal_detail,
    deal_edit,
    deal_group,
    deal_preview,
    task_done,
)
from deals.views.home import home, tasks
from deals.views.moves import deal_move, deal_moves
from deals.views.search import search

__all__ = [
    "approval_approve",
    "approval_return",
    "approvals",
    "board",
    "board_column",
    "companies",
    "company_detail",
    "company_form",
    "contact_add",
    "contact_detail",
    "contact_edit",
    "deal_comment",
    "deal_detail",
    "deal_edit",
    "deal_group",
    "deal_move",
    "deal_moves",
    "deal_new",
    "deal_preview",
    "deal_table",
    "home",
    "search",
    "task_done",
    "tasks",
]
