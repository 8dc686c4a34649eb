from django.urls import path

from deadlines import views

app_name = "deadlines"
urlpatterns = [
    path("", views.overdue, name="overdue"),
]
