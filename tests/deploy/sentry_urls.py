"""The CRM's URLs plus one page that fails, for the error report test."""

from django.urls import path

from fulfillment.urls import urlpatterns as crm


def fails(request):
    raise RuntimeError("the page broke")


urlpatterns = [path("broken/", fails), *crm]
