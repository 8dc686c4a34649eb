"""This app's staff pages."""

from django.urls import path

from correspondence import views

app_name = "correspondence"
urlpatterns = [
    path("deals/<int:pk>/compose/", views.compose, name="compose"),
    path("unmatched/", views.unmatched, name="unmatched"),
    path("unmatched/<int:pk>/attach/", views.attach, name="attach"),
]
