from django.urls import path

from warehouse import views

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
    path("tasks/<int:pk>/<slug:action>/", views.task_action, name="task-action"),
    path("sessions/<int:pk>/close/", views.session_close, name="session-close"),
    path("report/", views.report, name="report"),
    path("push/subscribe/", views.push_subscribe, name="push-subscribe"),
    path("push/unsubscribe/", views.push_unsubscribe, name="push-unsubscribe"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
