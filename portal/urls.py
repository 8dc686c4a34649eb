"""The client's area, /client/."""

from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/reset/", views.ClientPasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path("password/set/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password-set"),
    path("requests/new/<slug:pipeline>/", views.request_new, name="request-new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/shipment-list/", views.list_upload, name="list-upload"),
    path("requests/<int:pk>/recount/agree/", views.recount_agree, name="recount-agree"),
    path("requests/<int:pk>/recount/dispute/", views.recount_dispute, name="recount-dispute"),
    path("requests/<int:pk>/files/<slug:slot>/", views.deal_file, name="deal-file"),
    path("requests/<int:pk>/documents/<int:document>/", views.document_file, name="document"),
    path(
        "requests/<int:pk>/recount/photos/<int:photo>/",
        views.recount_photo,
        name="recount-photo",
    ),
    path(
        "requests/<int:pk>/recount/files/<slug:slot>/",
        views.recount_file,
        name="recount-file",
    ),
    # Staff (the deal card's «Кабинет клиента» panel): never a client's page.
    path("staff/contacts/<int:contact>/invite/", views.staff_invite, name="staff-invite"),
    path("staff/contacts/<int:contact>/disable/", views.staff_disable, name="staff-disable"),
]
