"""This app's staff pages."""

app_name = "correspondence"
urlpatterns: list = []
