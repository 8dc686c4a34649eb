from django.urls import path

from fulfillment import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("unread-count/", views.notification_unread_count, name="unread-count"),
    path("read/", views.notification_mark_read, name="read"),
    path("<int:pk>/open/", views.notification_open, name="open"),
]
