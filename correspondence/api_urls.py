"""This app's REST endpoints, composed into /api/ by fulfillment/api/urls.py."""

urlpatterns: list = []
