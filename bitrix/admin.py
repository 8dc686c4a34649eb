"""The import from Bitrix24 in the admin (Администратор only): upload the exports, the import
runs in the background, its page shows the progress and then the report."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from bitrix import runs
from bitrix.exports import ExportError, read_export
from bitrix.models import ImportRun, Webhook
from bitrix.webhooks import webhook_create
from deals.staff import may_be_responsible


def _responsible(user):
    """A user who takes deals: an active manager or the director (else a form error)."""
    if user is not None and not may_be_responsible(user):
        raise forms.ValidationError(_("This user cannot be responsible for deals."))
    return user


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportRunForm(forms.ModelForm):
    files = MultipleFileField(
        label=_("Export files"),
        help_text=_(
            "Bitrix24's exports of companies, contacts and deals: CSV or Excel (.xls), in any "
            "order and encoding."
        ),
    )

    class Meta:
        model = ImportRun
        fields = ["files", "dry_run", "default_responsible", "mapping"]

    def clean_files(self):
        files = self.cleaned_data["files"]
        for upload in files:  # a file that is no export is said now, not after the queue
            try:
                read_export(upload.read(), upload.name)
            except ExportError as error:
                raise forms.ValidationError(str(error)) from None
            finally:
                upload.seek(0)
        return files

    def clean_default_responsible(self):
        return _responsible(self.cleaned_data["default_responsible"])


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    form = ImportRunForm
    list_display = ["__str__", "created_by", "dry_run", "status", "finished_at"]
    list_select_related = ["created_by"]
    change_form_template = "admin/bitrix/importrun/change_form.html"

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["files", "dry_run", "default_responsible", "mapping"]
        return ["created_by", "created_at", "dry_run", "default_responsible", "status", "error"]

    def save_model(self, request, obj: ImportRun, form, change: bool) -> None:
        data = form.cleaned_data
        run = runs.import_start(
            actor=request.user,
            files=data["files"],
            dry_run=data["dry_run"],
            mapping=data["mapping"] or None,
            default_responsible=data["default_responsible"],
        )
        obj.pk = run.pk

    def save_related(self, request, form, formsets, change: bool) -> None:
        pass  # the run and its files are written by ``runs.import_start``

    def response_add(self, request: HttpRequest, obj: ImportRun, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:bitrix_importrun_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        context = {"run": run}
        if run is not None:
            context["progress"] = runs.import_progress(run)
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), **context}
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/rejected.csv",
                self.admin_site.admin_view(self.rejected_csv),
                name="bitrix_importrun_rejected",
            ),
            *super().get_urls(),
        ]

    def rejected_csv(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        run = get_object_or_404(ImportRun, pk=pk)
        response = HttpResponse(run.rejected_csv, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="bitrix24-rejected-{run.pk}.csv"'
        return response


class WebhookForm(forms.ModelForm):
    class Meta:
        model = Webhook
        fields = ["user", "label", "lead_responsible"]

    def clean_lead_responsible(self):
        return _responsible(self.cleaned_data["lead_responsible"])


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Inbound webhooks: created here (the URL with its token is shown once), revoked by
    deleting them."""

    form = WebhookForm
    list_display = ["user", "label", "created_at", "last_used_at"]
    list_select_related = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", "created_at", "last_used_at"]

    def get_fields(self, request, obj=None):
        fields = ["user", "label", "lead_responsible"]
        return fields if obj is None else [*fields, "created_at", "last_used_at"]

    def save_model(self, request, obj: Webhook, form, change: bool) -> None:
        if change:  # the label and who gets its website requests; the token never changes
            obj.save(update_fields=["label", "lead_responsible"])
            return
        webhook, url = webhook_create(user=form.cleaned_data["user"], label=obj.label)
        Webhook.objects.filter(pk=webhook.pk).update(lead_responsible=obj.lead_responsible)
        obj.pk = webhook.pk
        messages.warning(
            request,
            _("The webhook's URL, shown only now (keep it like a password): %(url)s")
            % {"url": url},
        )
