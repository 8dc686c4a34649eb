"""This app's staff pages."""

app_name = "documents"
urlpatterns: list = []
