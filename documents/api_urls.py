"""This app's REST endpoints, composed into /api/ by fulfillment/api/urls.py."""

from django.urls import path

from documents.api import DocumentGenerateApi, PriceListApi

urlpatterns: list = [
    path(
        "deals/<int:id>/documents/<str:kind>/",
        DocumentGenerateApi.as_view(),
        name="deal-documents",
    ),
    path("price-list/", PriceListApi.as_view(), name="price-list"),
]
