"""Roles of the company's staff as Django groups, and the questions code asks about them.

The groups are created by a data migration (``deals/migrations``) with the permissions that
PIPELINES.md implies. Row-level rules (a manager sees only their deals) live in the selectors
and services that use these helpers.
"""

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

AnyUser = AbstractBaseUser | AnonymousUser


class Role(StrEnum):
    """Group names exactly as the staff know them."""

    MANAGER = "Менеджер"
    WAREHOUSE = "Кладовщик"
    DIRECTOR = "Генеральный директор"
    ADMINISTRATOR = "Администратор"


def person_name(user: AbstractBaseUser) -> str:
    """How staff are named on pages, in exports and in the API: the full name, else the login."""
    return user.get_full_name() or user.get_username()


def acting_person(actor: AnyUser | None) -> AbstractBaseUser | None:
    """Who a history row names as having acted: the signed-in person, or ``None`` for the
    automation (no actor) and anonymous callers."""
    return actor if getattr(actor, "is_authenticated", False) else None


def user_roles(user: AnyUser) -> frozenset[str]:
    """The names of the user's groups, fetched once per user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def has_role(user: AnyUser, *roles: Role) -> bool:
    return bool(user_roles(user) & {str(role) for role in roles})


def is_administrator(user: AnyUser) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or has_role(user, Role.ADMINISTRATOR)))


def sees_all_deals(user: AnyUser) -> bool:
    """The director («ГД») and administrators see and move every deal."""
    return is_administrator(user) or has_role(user, Role.DIRECTOR)


def is_director(user: AnyUser) -> bool:
    return has_role(user, Role.DIRECTOR)


def is_sales(user: AnyUser) -> bool:
    return has_role(user, Role.MANAGER) or sees_all_deals(user)


def is_warehouse(user: AnyUser) -> bool:
    return has_role(user, Role.WAREHOUSE)


def sees_money(user: AnyUser) -> bool:
    """Warehouse staff never see amounts or invoices; anyone who also sells does."""
    return is_sales(user) or not is_warehouse(user)


# What each role may do, as Django model permissions. Row-level limits (a manager's own
# deals, a worker's own tasks) are applied on top by selectors and services.
_SALES = {
    "deals.company": ("view", "add", "change"),
    "deals.contact": ("view", "add", "change"),
    "deals.deal": ("view", "add", "change"),
    "deals.stagechange": ("view",),
    "deals.fieldchange": ("view",),
    "deals.lossreason": ("view",),
    "deals.task": ("view",),
    "deals.taskcomment": ("view", "add"),
    "deals.dealcomment": ("view", "add"),
}
ROLE_PERMISSIONS: dict[Role, dict[str, tuple[str, ...]]] = {
    Role.MANAGER: _SALES,
    Role.WAREHOUSE: {
        "deals.task": ("view", "change"),
        "deals.taskcomment": ("view", "add"),
        "warehouse.worksession": ("view", "add", "change"),
    },
    Role.DIRECTOR: {
        **_SALES,
        "deals.task": ("view", "change"),
        "deals.automationjob": ("view",),
        "deals.handoff": ("view",),
        "warehouse.worksession": ("view", "change"),
        "deadlines.stagedeadline": ("view",),
        "deadlines.calendarday": ("view",),
        # The director («ГД») edits the price list and the clients' agreed prices too.
        "documents.service": ("view", "add", "change"),
        "documents.price": ("view", "add", "change", "delete"),
        "documents.agreedprice": ("view", "add", "change", "delete"),
        "documents.ourcompany": ("view",),
        "documents.document": ("view",),
        "correspondence.outgoingemail": ("view",),
        "correspondence.incomingemail": ("view",),
    },
    Role.ADMINISTRATOR: {
        "auth.user": ("view", "add", "change", "delete"),
        "auth.group": ("view",),
        "deals.company": ("view", "add", "change", "delete"),
        "deals.contact": ("view", "add", "change", "delete"),
        "deals.deal": ("view", "add", "change", "delete"),
        "deals.stagechange": ("view",),
        "deals.fieldchange": ("view",),
        "deals.lossreason": ("view", "add", "change", "delete"),
        "deals.automationjob": ("view", "change"),
        "deals.handoff": ("view",),
        "deals.task": ("view", "change"),
        "deals.taskcomment": ("view", "add"),
        "deals.dealcomment": ("view", "add", "delete"),
        "warehouse.worksession": ("view", "change"),
        "warehouse.defaultassignee": ("view", "add", "change", "delete"),
        "bitrix.importrun": ("view", "add"),
        "bitrix.webhook": ("view", "add", "change", "delete"),
        "deadlines.stagedeadline": ("view", "add", "change", "delete"),
        "deadlines.calendarday": ("view", "add", "change", "delete"),
        "deadlines.overduedigest": ("view",),
        "documents.service": ("view", "add", "change", "delete"),
        "documents.price": ("view", "add", "change", "delete"),
        "documents.agreedprice": ("view", "add", "change", "delete"),
        "documents.ourcompany": ("view", "add", "change"),
        "documents.documenttemplate": ("view", "add", "change", "delete"),
        "documents.document": ("view",),
        "correspondence.outgoingemail": ("view",),
        "correspondence.incomingemail": ("view",),
        "correspondence.incomingattachment": ("view",),
        "correspondence.mailboxstate": ("view",),
        "portal.clientaccount": ("view", "change"),
        "portal.clientaction": ("view",),
    },
}


def role_groups_sync(apps, role_permissions=ROLE_PERMISSIONS, *, app_labels=None) -> None:
    """Create the role groups and give them their permissions (idempotent).

    ``apps`` is a migration's historical registry. Each app's data migration passes its
    ``app_labels`` so that it grants the permissions of models that exist by then.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, grants in role_permissions.items():
        group, _created = group_model.objects.get_or_create(name=str(role))
        for model_label, actions in grants.items():
            app_label, model_name = model_label.split(".")
            if app_labels is not None and app_label not in app_labels:
                continue
            try:
                apps.get_model(app_label, model_name)
            except LookupError:  # not created yet: the migration that creates it grants it
                continue
            codenames = [f"{action}_{model_name}" for action in actions]
            permissions = permission_model.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
            if permissions.count() != len(codenames):
                raise RuntimeError(f"Missing permissions for {model_label}: {codenames}")
            group.permissions.add(*permissions)
