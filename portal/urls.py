"""The client's area, /client/."""

app_name = "portal"
urlpatterns: list = []
