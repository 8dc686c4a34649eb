"""The client's pages at /client/ and the staff's invite actions.

Every client page goes through ``client_required``: signed out → the portal's sign-in; signed
in without an enabled client account (staff) → a 403 page that says this is the clients' area
and shows nothing of any client. A request of another company is a 404. Writes call
``portal.services``; refusals come back as messages in Russian.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from deals.exceptions import DealFieldError
from deals.models import Contact, Deal
from fulfillment.exceptions import ApplicationError, PermissionDeniedError
from fulfillment.files import file_download
from fulfillment.login_limits import PasswordResetView
from fulfillment.roles import is_sales
from portal import selectors, services
from portal.accounts import (
    client_access_disable,
    client_account_activated,
    client_account_of,
    client_invite,
    client_token_generator,
)
from portal.forms import (
    ClientLoginForm,
    ClientPasswordResetForm,
    ClientRequestForm,
    InviteForm,
    ShipmentListForm,
)
from portal.models import ClientAccount
from portal.recount import recount_document_file, recount_for_client, recount_photo_file
from portal.stages import (
    CLIENT_CREATABLE,
    CLIENT_PIPELINES,
    NEW_REQUEST_LABELS,
    client_stage,
    client_steps,
)

View = Callable[..., HttpResponse]


def client_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?next={request.path}")
        account = client_account_of(request.user)
        if account is None:
            return render(request, "portal/not_client.html", status=403)
        request.client_account = account
        return view(request, *args, **kwargs)

    return wrapper


# --- signing in --------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = ClientLoginForm
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return reverse("portal:home")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:login")


class ClientPasswordResetView(PasswordResetView):
    """«Forgot your password»: the same per-address limit as the staff's reset."""

    template_name = "portal/password_reset.html"
    form_class = ClientPasswordResetForm
    email_template_name = "portal/email/password_reset.txt"
    subject_template_name = "portal/email/password_reset_subject.txt"
    token_generator = client_token_generator
    success_url = reverse_lazy("portal:password-reset-done")

    @property
    def extra_email_context(self) -> dict:
        # Links in e-mail point at the site's own address, as the invitation's do.
        return {"site_url": settings.SITE_URL.rstrip("/")}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The link of the invitation (or of «forgot your password»): set a password and come
    in. Signs in with the model backend: the link itself proves who it is."""

    template_name = "portal/password_set.html"
    token_generator = client_token_generator
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("portal:home")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # Only a client's link: an employee's address never gets a portal password form.
        if (
            user is not None
            and not ClientAccount.objects.filter(user=user, disabled_at__isnull=True).exists()
        ):
            return None
        return user

    def form_valid(self, form):
        response = super().form_valid(form)
        client_account_activated(user=form.user)
        messages.success(self.request, gettext("Your password is set. Welcome!"))
        return response


# --- the client's pages ------------------------------------------------------------------


def _decorate(deal: Deal) -> Deal:
    stage = client_stage(deal.pipeline, deal.stage)
    deal.client_label, deal.client_state = stage.label, stage.state
    deal.kind_label = deal.pipeline_spec.label
    return deal


@client_required
def home(request: HttpRequest) -> HttpResponse:
    kinds = {p.code: p for p in CLIENT_PIPELINES}
    chosen = request.GET.get("kind", "")
    if chosen not in kinds:
        chosen = ""
    deals = selectors.client_requests(account=request.client_account, pipeline=chosen or None)
    page = Paginator(deals, 25).get_page(request.GET.get("page"))
    for deal in page:
        _decorate(deal)
    return render(
        request,
        "portal/home.html",
        {
            "page": page,
            "kinds": [(p.code, p.plural_label or p.label) for p in CLIENT_PIPELINES],
            "chosen": chosen,
            "creatable": [(p.code, NEW_REQUEST_LABELS[p.code]) for p in CLIENT_CREATABLE],
            "company": request.client_account.contact.company,
        },
    )


@client_required
def request_new(request: HttpRequest, pipeline: str) -> HttpResponse:
    spec = next((p for p in CLIENT_CREATABLE if p.code == pipeline), None)
    if spec is None:
        raise Http404
    form = ClientRequestForm(request.POST or None, request.FILES or None, pipeline=spec)
    if request.method == "POST" and form.is_valid():
        try:
            deal = services.client_request_create(
                account=request.client_account, pipeline=spec.code, data=form.data_for_service()
            )
        except DealFieldError as error:
            for code, errors in (error.extra.get("errors") or {}).items():
                key = code.replace(".", "__")
                for message in errors:
                    form.add_error(key if key in form.fields else None, message)
            if not error.extra.get("errors"):
                form.add_error(None, error.message)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                gettext("Request №%(number)s is sent to your manager.") % {"number": deal.pk},
            )
            return redirect("portal:request", pk=deal.pk)
    return render(request, "portal/request_new.html", {"form": form, "pipeline": spec})


def _deal_dates(deal: Deal) -> list[tuple[str, object]]:
    from deals.pipelines.fields import field_label

    dates = [(gettext("Created"), deal.created_at)]
    for code in ("arrival_date", "shipment_date", "deadline"):
        if code in deal.pipeline_spec.field_codes and getattr(deal, code):
            dates.append((field_label(code), getattr(deal, code)))
    if deal.closed_at:
        dates.append((gettext("Closed"), deal.closed_at))
    return dates


def _deal_facts(deal: Deal) -> list[tuple[str, str]]:
    """What the client told us (boxes, units, delivery …) and what we report back (accepted
    units, tracking number), with their labels: never an internal field."""
    from deals.pipelines.fields import field_label

    codes = (
        "boxes",
        "units",
        "delivery_method",
        "acceptance_type",
        "operations",
        "destination_type",
        "destination",
        "marketplace_supply_number",
        "accepted_units",
        "tracking_number",
    )
    facts = []
    for code in codes:
        if code not in deal.pipeline_spec.field_codes:
            continue
        value = getattr(deal, code)
        if value in (None, "", []):
            continue
        if code == "operations":
            value = deal.operations_display
        elif hasattr(deal, f"get_{code}_display"):
            value = getattr(deal, f"get_{code}_display")()
        facts.append((field_label(code), value))
    return facts


@client_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _decorate(selectors.client_request(account=request.client_account, pk=pk))
    recount = recount_for_client(deal=deal)
    is_acceptance = deal.pipeline == "acceptance"
    return render(
        request,
        "portal/request_detail.html",
        {
            "deal": deal,
            "steps": client_steps(deal.pipeline_spec, deal.stage),
            "dates": _deal_dates(deal),
            "facts": _deal_facts(deal),
            "documents": selectors.client_documents(deal=deal),
            # The file the task's result copied to the deal, when the recount has no
            # generated file of its own (a recount done the old way, a file attached).
            "recount_file": bool(
                is_acceptance and deal.recount_file and not (recount and recount.documents)
            ),
            "recount": recount,
            "may_upload": is_acceptance and deal.stage in services.LIST_UPLOAD_STAGES,
            "may_decide": is_acceptance
            and deal.stage == services.RECOUNT_APPROVAL_STAGE
            and recount is not None,
            "list_form": ShipmentListForm(),
        },
    )


def _client_deal(request: HttpRequest, pk: int) -> Deal:
    return selectors.client_request(account=request.client_account, pk=pk)


def _refused(request: HttpRequest, error: ApplicationError) -> None:
    if isinstance(error, PermissionDeniedError):
        raise Http404 from error
    messages.error(request, error.message)


@require_POST
@client_required
def list_upload(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _client_deal(request, pk)
    form = ShipmentListForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, gettext("Choose the shipment list file (XLSX or CSV)."))
        return redirect("portal:request", pk=deal.pk)
    try:
        rows = services.client_shipment_list_upload(
            account=request.client_account, deal=deal, upload=form.cleaned_data["file"]
        )
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(
            request, gettext("The shipment list is loaded: %(rows)s rows.") % {"rows": rows}
        )
    return redirect("portal:request", pk=deal.pk)


@require_POST
@client_required
def recount_agree(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _client_deal(request, pk)
    try:
        services.client_recount_agree(account=request.client_account, deal=deal)
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(request, gettext("Thank you: the recount is agreed."))
    return redirect("portal:request", pk=deal.pk)


@require_POST
@client_required
def recount_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _client_deal(request, pk)
    disputes = {}
    for value in request.POST.getlist("line"):
        if value.isdigit():
            disputes[int(value)] = request.POST.get(f"comment-{value}", "")
    try:
        services.client_recount_dispute(
            account=request.client_account, deal=deal, disputes=disputes
        )
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(
            request, gettext("The disputed lines are sent to the warehouse for a recount.")
        )
    return redirect("portal:request", pk=deal.pk)


@client_required
def deal_file(request: HttpRequest, pk: int, slot: str) -> HttpResponse:
    deal = _client_deal(request, pk)
    column = selectors.DEAL_FILE_SLOTS.get(slot)
    if column is None:
        raise Http404
    if slot == "recount" and deal.pipeline != "acceptance":
        raise Http404
    file = getattr(deal, column)
    if not file:
        raise Http404
    return file_download(request.user, file.name)


@client_required
def document_file(request: HttpRequest, pk: int, document: int) -> HttpResponse:
    deal = _client_deal(request, pk)
    found = selectors.client_document(deal=deal, pk=document)
    return file_download(request.user, found.file.name)


@client_required
def recount_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponse:
    deal = _client_deal(request, pk)
    found = recount_photo_file(deal=deal, pk=photo)
    if not found:
        raise Http404
    return file_download(request.user, found.name)


@client_required
def recount_file(request: HttpRequest, pk: int, slot: str) -> HttpResponse:
    deal = _client_deal(request, pk)
    found = recount_document_file(deal=deal, slot=slot)
    if not found:
        raise Http404
    return file_download(request.user, found.name)


# --- staff: access to the portal -------------------------------------------------------


def _back_to_deal(request: HttpRequest) -> HttpResponse:
    deal_pk = request.POST.get("deal", "")
    if deal_pk.isdigit():
        return redirect(reverse("deals:detail", args=[int(deal_pk)]) + "#portal-access")
    return redirect("/")


@require_POST
def staff_invite(request: HttpRequest, contact: int) -> HttpResponse:
    if not request.user.is_authenticated or not is_sales(request.user):
        return render(request, "portal/not_client.html", status=403)
    found = get_object_or_404(Contact.objects.select_related("company"), pk=contact)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Enter a valid email address."))
        return _back_to_deal(request)
    try:
        client_invite(contact=found, email=form.cleaned_data["email"], actor=request.user)
    except PermissionDeniedError:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            gettext("An invitation to the client portal is sent to %(email)s.")
            % {"email": form.cleaned_data["email"]},
        )
    return _back_to_deal(request)


@require_POST
def staff_disable(request: HttpRequest, contact: int) -> HttpResponse:
    if not request.user.is_authenticated or not is_sales(request.user):
        return render(request, "portal/not_client.html", status=403)
    account = get_object_or_404(
        ClientAccount.objects.select_related("user", "contact"), contact_id=contact
    )
    try:
        client_access_disable(account=account, actor=request.user)
    except PermissionDeniedError:
        raise Http404 from None
    messages.success(
        request, gettext("Portal access of %(name)s is disabled.") % {"name": account.contact.name}
    )
    return _back_to_deal(request)
