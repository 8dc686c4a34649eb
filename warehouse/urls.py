from django.urls import path

from warehouse import recount_views, views

app_name = "warehouse"

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/comments/", views.task_comment, name="task-comment"),
    path(
        "tasks/<int:pk>/comments/<int:comment_pk>/file/",
        views.task_comment_file,
        name="task-comment-file",
    ),
    path("tasks/<int:pk>/files/<slug:code>/", views.task_deal_file, name="task-deal-file"),
    # «Пересчет» of an acceptance (before the clock actions' catch-all slug).
    path("tasks/<int:pk>/recount/", recount_views.recount_page, name="recount"),
    path("tasks/<int:pk>/recount/sync/", recount_views.recount_sync, name="recount-sync"),
    path(
        "tasks/<int:pk>/recount/lines/<int:line>/photos/",
        recount_views.recount_photo,
        name="recount-photo",
    ),
    path("tasks/<int:pk>/recount/finish/", recount_views.recount_finish, name="recount-finish"),
    path("recount/deals/<int:pk>/lines/", recount_views.recount_line_add, name="recount-line-add"),
    path(
        "recount/deals/<int:pk>/shipment-list/",
        recount_views.shipment_list_upload,
        name="shipment-list-upload",
    ),
    path("tasks/<int:pk>/<slug:action>/", views.task_action, name="task-action"),
    path("sessions/<int:pk>/close/", views.session_close, name="session-close"),
    path("report/", views.report, name="report"),
    path("push/subscribe/", views.push_subscribe, name="push-subscribe"),
    path("push/unsubscribe/", views.push_unsubscribe, name="push-unsubscribe"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
