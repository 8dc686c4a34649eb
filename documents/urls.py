"""This app's staff pages: the card's document buttons."""

from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("deals/<int:pk>/<str:kind>/", views.generate, name="generate"),
]
