"""The admin site: every model, and the pipeline moves as actions that call the same service
as the pages and the API (so the same guards refuse a move with missing fields)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deals import selectors, services
from deals.models import (
    PIPELINE_MODELS,
    AutomationJob,
    Company,
    Contact,
    Deal,
    DealComment,
    FieldChange,
    Handoff,
    LossReason,
    StageChange,
    Task,
    TaskComment,
)
from deals.pipelines import get_pipeline
from deals.pipelines.fields import DEAL_FIELDS, requirement_labels
from fulfillment.exceptions import ApplicationError
from fulfillment.roles import person_name


class ServiceSaveAdmin(admin.ModelAdmin):
    """An admin whose ``save_model`` calls a service. Django's admin has no way for a save to
    refuse, so a refusal (``ApplicationError`` or ``ValidationError``) rolls the request's
    transaction back and the same POST is shown again with the refusal on the form, as the
    form's own errors would be: nothing is saved, nothing is logged, no 500."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and not hasattr(request, "service_refusal"):
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except (ApplicationError, ValidationError) as refusal:
                request.service_refusal = refusal
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "service_refusal", None)
        if refusal is None:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned = super().clean()
                _add_refusal(self, refusal)
                return cleaned

        return RefusedForm


def _add_refusal(form: forms.Form, refusal: Exception) -> None:
    """A service's refusal on the form: each field's messages on the field, the rest above."""
    if isinstance(refusal, ValidationError):
        errors = (
            refusal.message_dict if hasattr(refusal, "error_dict") else {None: refusal.messages}
        )
        message = None
    else:
        errors = getattr(refusal, "errors", None) or {}
        message = refusal.message
    for code, messages_ in errors.items():
        form.add_error(code if code in form.fields else None, list(messages_))
    if message:
        form.add_error(None, message)


class ContactInline(admin.TabularInline):
    model = Contact
    fields = Contact.EDITABLE_FIELDS
    extra = 0


@admin.register(Company)
class CompanyAdmin(ServiceSaveAdmin):
    """Companies and their contacts are written by the services, which check the legal details
    (INN checksum, KPP, OGRN, BIK) and that a contact has a phone or an e-mail."""

    list_display = ["name", "inn", "has_contract", "contract_number", "contract_date"]
    list_filter = ["has_contract"]
    search_fields = ["name", "legal_name", "inn"]
    inlines = [ContactInline]
    fieldsets = [
        (None, {"fields": ["name", *Company.REACH_FIELDS]}),
        (_("Legal details"), {"fields": Company.LEGAL_FIELDS}),
        (_("Contract"), {"fields": Company.CONTRACT_FIELDS}),
    ]

    def save_model(self, request, obj: Company, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changed = {name: data[name] for name in form.changed_data}
            saved = services.company_update(
                company=Company.objects.get(pk=obj.pk), data=changed, actor=request.user
            )
        else:
            saved = services.company_create(**{name: data[name] for name in form.fields})
        obj.pk = saved.pk

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is not Contact:
            return super().save_formset(request, form, formset, change)
        # What the admin's change message and log read of a saved formset.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for contact_form in formset.forms:
            contact = contact_form.instance
            if contact_form in formset.deleted_forms:
                if contact.pk:
                    formset.deleted_objects.append(contact)
                    contact.delete()
                continue
            if not contact_form.has_changed():
                continue
            data = contact_form.cleaned_data
            if contact.pk:
                changed = [n for n in contact_form.changed_data if n in Contact.EDITABLE_FIELDS]
                saved = services.contact_update(
                    contact=Contact.objects.get(pk=contact.pk),
                    data={n: data[n] for n in changed},
                    actor=request.user,
                )
                formset.changed_objects.append((saved, changed))
            else:
                fields = {n: data[n] for n in Contact.EDITABLE_FIELDS if n in data}
                saved = services.contact_create(company=form.instance, **fields)
                formset.new_objects.append(saved)


@admin.register(Contact)
class ContactAdmin(ServiceSaveAdmin):
    """Contacts are written by the contact services: a contact stays with its company, so the
    company is chosen when adding and read-only afterwards."""

    list_display = ["name", "company", "phone", "email"]
    search_fields = ["name", "phone", "email", "company__name"]
    autocomplete_fields = ["company"]
    fields = ["company", *Contact.EDITABLE_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return ["company"] if obj is not None else []

    def save_model(self, request, obj: Contact, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changed = {n: data[n] for n in form.changed_data if n in Contact.EDITABLE_FIELDS}
            saved = services.contact_update(
                contact=Contact.objects.get(pk=obj.pk), data=changed, actor=request.user
            )
        else:
            fields = {n: data[n] for n in Contact.EDITABLE_FIELDS if n in data}
            saved = services.contact_create(company=data["company"], **fields)
        obj.pk = saved.pk


@admin.register(LossReason)
class LossReasonAdmin(admin.ModelAdmin):
    list_display = ["label", "pipeline", "is_active", "sort"]
    list_filter = ["pipeline", "is_active"]
    list_editable = ["is_active", "sort"]


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    can_delete = False
    fields = ["created_at", "transition", "from_stage", "to_stage", "actor", "reason", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class MoveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    reason = forms.ModelChoiceField(
        label=_("Failure reason"), queryset=LossReason.objects.none(), required=False
    )

    def __init__(self, *args, pipeline: str, with_reason: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if with_reason:
            self.fields["reason"].queryset = LossReason.objects.filter(
                is_active=True, pipeline__in=["", pipeline]
            )
        else:
            del self.fields["reason"]


def _service_value(form: forms.Form, name: str):
    """A form's cleaned value as the services take it: a ticked «Очистить» of a file (the
    form's ``False``) is an empty file."""
    value = form.cleaned_data[name]
    if value is False and isinstance(form.fields[name], forms.FileField):
        return None
    return value


class StageFilter(admin.SimpleListFilter):
    """A pipeline's stages by their names."""

    title = _("stage")
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        return [(stage.code, stage.label) for stage in model_admin.pipeline_spec.stages]

    def queryset(self, request, queryset):
        return queryset.filter(stage=self.value()) if self.value() else queryset


class ResponsibleFilter(admin.SimpleListFilter):
    """People by their full names (those who may be responsible)."""

    title = _("responsible")
    parameter_name = "responsible"

    def lookups(self, request, model_admin):
        from deals.staff import sales_staff

        return [(str(user.pk), person_name(user)) for user in sales_staff()]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(responsible_id=value) if value and value.isdigit() else queryset


class DealAdmin(ServiceSaveAdmin):
    """One admin per pipeline (a proxy each); fields grouped as the pipeline spec groups them.
    The moves allowed now are buttons above the form, each with the fields it still lacks."""

    list_display = [
        "__str__",
        "stage_name",
        "company",
        "responsible_name",
        "amount",
        "stage_entered_at",
    ]
    list_filter = [StageFilter, ResponsibleFilter]
    search_fields = ["title", "company__name", "company__inn"]
    list_select_related = ["company", "responsible"]
    autocomplete_fields = ["company", "contact", "source_deal"]
    actions = ["move_forward"]
    inlines = [StageChangeInline]
    change_form_template = "admin/deals/deal_change_form.html"

    @property
    def pipeline_spec(self):
        return get_pipeline(self.model.pipeline_code)

    def get_queryset(self, request):
        return selectors.deal_visible_to(request.user, super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        groups = [
            (group.label, {"fields": list(group.fields)}) for group in self.pipeline_spec.groups
        ]
        return [(_("Stage"), {"fields": ["stage_name", "source_deal"]}), *groups]

    def get_readonly_fields(self, request, obj=None):
        return ["stage_name", *(code for code, f in DEAL_FIELDS.items() if not f.editable)]

    @admin.display(description=_("stage"), ordering="stage")
    def stage_name(self, obj: Deal) -> str:
        return obj.stage_label if obj and obj.pk else self.pipeline_spec.first_stage.label

    @admin.display(description=_("responsible"), ordering="responsible__last_name")
    def responsible_name(self, obj: Deal) -> str:
        return person_name(obj.responsible)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        deal = self.get_object(request, object_id)
        moves = []
        if deal is not None:
            for move in services.deal_available_moves(deal=deal, user=request.user):
                moves.append(
                    {
                        "url": reverse(
                            f"admin:{self.opts.app_label}_{self.opts.model_name}_move",
                            args=[deal.pk, move.name],
                        ),
                        "label": move.transition.label,
                        "missing": ", ".join(requirement_labels(move.missing).values()),
                    }
                )
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "deal_moves": moves}
        )

    def save_model(self, request, obj: Deal, form, change: bool) -> None:
        data = {
            name: _service_value(form, name)
            for name in form.changed_data
            if name in DEAL_FIELDS and name != "title"
        }
        if change:
            data["title"] = form.cleaned_data["title"]
            fresh = Deal.objects.get(pk=obj.pk)
            services.deal_update(deal=fresh, actor=request.user, data=data)
        else:
            created = services.deal_create(
                pipeline=self.model.pipeline_code,
                actor=request.user,
                title=form.cleaned_data["title"],
                responsible=form.cleaned_data.get("responsible"),
                source_deal=form.cleaned_data.get("source_deal"),
                data={k: v for k, v in data.items() if k != "responsible"},
            )
            obj.pk = created.pk

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/move/<str:transition>/",
                self.admin_site.admin_view(self.move_view),
                name="{}_{}_move".format(*info),
            ),
            *super().get_urls(),
        ]

    def move_view(self, request, pk: int, transition: str):
        deal = get_object_or_404(self.get_queryset(request), pk=pk)
        move = deal.pipeline_spec.transition(transition)
        if move is None:
            messages.error(request, gettext("Unknown move."))
            return redirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[pk])
            )
        form = MoveForm(
            request.POST or None, pipeline=deal.pipeline, with_reason=move.kind == "fail"
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.deal_move(
                    deal=deal,
                    transition=transition,
                    actor=request.user,
                    comment=form.cleaned_data["comment"],
                    reason=form.cleaned_data.get("reason"),
                )
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    gettext("The deal is now in «%(stage)s».") % {"stage": deal.stage_label},
                )
                return redirect(
                    reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "deal": deal,
            "move": move,
            "form": form,
            "title": gettext("Move «%(deal)s»: %(move)s") % {"deal": deal, "move": move.label},
        }
        return TemplateResponse(request, "admin/deals/move.html", context)

    @admin.action(description=_("Move selected deals to their next stage"))
    def move_forward(self, request, queryset) -> None:
        for deal in queryset.select_related("company"):
            forward = next(
                (
                    m
                    for m in deal.pipeline_spec.transitions
                    if m.kind == "forward" and deal.stage in m.sources
                ),
                None,
            )
            if forward is None:
                messages.warning(request, gettext("%(deal)s: the deal is closed.") % {"deal": deal})
                continue
            try:
                services.deal_move(deal=deal, transition=forward.name, actor=request.user)
            except ApplicationError as error:
                messages.error(request, f"{deal}: {error.message}")
            else:
                messages.success(request, f"{deal}: {deal.stage_label}")


for _model in PIPELINE_MODELS.values():
    admin.site.register(_model, DealAdmin)


class HistoryAdmin(admin.ModelAdmin):
    """What happened, read only: nobody adds, edits or deletes it."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StageChange)
class StageChangeAdmin(HistoryAdmin):
    list_display = ["created_at", "deal", "move_name", "source_name", "target_name", "actor_name"]
    list_filter = ["deal__pipeline"]
    list_select_related = ["deal", "actor"]

    @admin.display(description=_("move"), ordering="transition")
    def move_name(self, change: StageChange) -> str:
        move = change.deal.pipeline_spec.transition(change.transition)
        if move is not None:
            return str(move.label)
        return {"create": gettext("created"), "import": gettext("Imported from Bitrix24")}.get(
            change.transition, change.transition
        )

    @admin.display(description=_("from stage"), ordering="from_stage")
    def source_name(self, change: StageChange) -> str:
        return change.stage_label(change.from_stage) or "—"

    @admin.display(description=_("to stage"), ordering="to_stage")
    def target_name(self, change: StageChange) -> str:
        return change.stage_label(change.to_stage)

    @admin.display(description=_("who"), ordering="actor__last_name")
    def actor_name(self, change: StageChange) -> str:
        return person_name(change.actor) if change.actor else gettext("the system")


@admin.register(FieldChange)
class FieldChangeAdmin(HistoryAdmin):
    """The audit trail."""

    list_display = ["created_at", "subject", "deal", "company", "contact", "field", "actor"]
    list_filter = ["subject", "field"]
    list_select_related = ["deal", "company", "contact", "actor"]
    search_fields = ["deal__title", "company__name", "contact__name", "old_text", "new_text"]


class ActionFilter(admin.SimpleListFilter):
    """The automation's actions by what they do, not by their codes."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        from deals.automation import action_label, registered_actions

        return [(key, action_label(key)) for key in sorted(registered_actions())]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AutomationJob)
class AutomationJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "what", "deal", "status", "attempts", "done_at"]
    list_select_related = ["deal"]
    list_filter = ["status", ActionFilter]
    readonly_fields = [
        "deal",
        "stage_change",
        "action",
        "attempts",
        "last_error",
        "created_at",
        "next_run_at",
        "done_at",
    ]
    actions = ["retry"]

    @admin.display(description=_("action"), ordering="action")
    def what(self, job: AutomationJob) -> str:
        from deals.automation import action_label

        return action_label(job.action)

    @admin.action(description=_("Run the selected jobs again"), permissions=["change"])
    def retry(self, request, queryset) -> None:
        from deals.automation import jobs_rerun

        sent = jobs_rerun(queryset.values_list("pk", flat=True))
        messages.success(request, gettext("%(count)d jobs sent again.") % {"count": sent})

    def has_add_permission(self, request) -> bool:
        return False


# A deal must be searchable for the autocomplete of «came from deal».
admin.site.register(
    Deal,
    type(
        "AnyDealAdmin",
        (admin.ModelAdmin,),
        {
            "search_fields": ["title"],
            "get_model_perms": lambda self, request: {},
            "get_queryset": lambda self, request: selectors.deal_visible_to(request.user),
        },
    ),
)


class TaskCommentInline(admin.TabularInline):
    model = TaskComment
    extra = 0
    fields = ["created_at", "author", "text", "file", "is_result"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class TaskAdminForm(forms.ModelForm):
    """The one thing the admin changes on a task, its assignee, checked by the service."""

    actor = None  # the signed-in user, set by TaskAdmin.get_form

    class Meta:
        model = Task
        fields = ["assignee"]

    def clean_assignee(self):
        assignee = self.cleaned_data["assignee"]
        try:
            services.task_assignee_check(self.instance, assignee, self.actor)
        except ApplicationError as error:
            raise ValidationError(error.message) from error
        return assignee


@admin.register(Task)
class TaskAdmin(ServiceSaveAdmin):
    """Tasks are made, worked on and closed by the services; the admin may only give an open
    task to someone else (``task_assign``: not while its clock runs). Everything else is
    read-only, and a task is never deleted (its history and time belong to the deal)."""

    form = TaskAdminForm
    list_display = ["title", "kind", "status", "assignee", "queue", "created_at", "completed_at"]
    list_filter = ["kind", "status", "queue"]
    search_fields = ["title", "deal__title"]
    list_select_related = ["assignee", "deal"]
    readonly_fields = [
        "title",
        "kind",
        "deal",
        "stage_change",
        "stage",
        "description",
        "queue",
        "result_comment",
        "created_at",
        "completed_at",
        "completed_by",
        "status",
        "decision_comment",
    ]
    fields = [
        "title",
        "kind",
        "status",
        "deal",
        "stage",
        "description",
        "queue",
        "assignee",
        "result_comment",
        "decision_comment",
        "created_at",
        "completed_at",
        "completed_by",
    ]
    inlines = [TaskCommentInline]

    def has_add_permission(self, request) -> bool:
        return False  # tasks come from the automation

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj: Task, form, change: bool) -> None:
        if "assignee" in form.changed_data:
            services.task_assign(
                task=obj, assignee=form.cleaned_data["assignee"], actor=request.user
            )


@admin.register(DealComment)
class DealCommentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "deal", "author", "text"]
    list_select_related = ["deal", "author"]
    search_fields = ["text", "deal__title"]
    readonly_fields = ["deal", "author", "text", "file", "mentions", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(TaskComment)
class TaskCommentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "task", "author", "is_result"]
    list_select_related = ["task", "author"]
    readonly_fields = ["task", "author", "text", "file", "is_result", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ["created_at", "source", "pipeline", "target"]
    list_select_related = ["source", "target"]
    readonly_fields = ["source", "pipeline", "target", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
