from django.urls import path

from bitrix.rest.views import rest

app_name = "bitrix"

urlpatterns = [
    path("<int:user_id>/<str:token>/", rest, name="rest-root"),
    path("<int:user_id>/<str:token>/<str:method>", rest, name="rest"),
]
