"""This app's REST endpoints, composed into /api/ by fulfillment/api/urls.py."""

from django.urls import path

from correspondence.api import DealEmailsApi, DealRepliesApi

urlpatterns = [
    path("deals/<int:pk>/emails/", DealEmailsApi.as_view(), name="deal-emails"),
    path("deals/<int:pk>/emails/replies/", DealRepliesApi.as_view(), name="deal-email-replies"),
]
