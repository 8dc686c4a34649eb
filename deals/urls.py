"""The staff pages (mounted at the site's root)."""

from django.urls import path

from deals import views

app_name = "deals"

urlpatterns = [
    path("", views.home, name="home"),
    path("pipelines/<slug:code>/", views.board, name="board"),
    path("pipelines/<slug:code>/list/", views.deal_table, name="list"),
    path("pipelines/<slug:code>/new/", views.deal_new, name="new"),
    path("pipelines/<slug:code>/columns/<slug:stage>/", views.board_column, name="column"),
    path("deals/<int:pk>/", views.deal_detail, name="detail"),
    path("deals/<int:pk>/preview/", views.deal_preview, name="preview"),
    path("deals/<int:pk>/groups/<int:group>/", views.deal_group, name="group"),
    path("deals/<int:pk>/groups/<int:group>/edit/", views.deal_edit, name="edit"),
    path("deals/<int:pk>/comments/", views.deal_comment, name="comment"),
    path("deals/<int:pk>/moves/", views.deal_moves, name="moves"),
    path("deals/<int:pk>/moves/<slug:transition>/", views.deal_move, name="move"),
    path("companies/", views.companies, name="companies"),
    path("companies/new/", views.company_form, name="company-new"),
    path("companies/<int:pk>/", views.company_detail, name="company"),
    path("companies/<int:pk>/edit/", views.company_form, name="company-edit"),
    path("companies/<int:pk>/contacts/", views.contact_add, name="contact-add"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/done/", views.task_done, name="task-done"),
    path("search/", views.search, name="search"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/approve/", views.approval_approve, name="approve"),
    path("approvals/<int:pk>/return/", views.approval_return, name="return"),
]
