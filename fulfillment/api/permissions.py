"""Who may call an endpoint: the role's Django model permissions, as in the pages.

Row-level limits (a manager's own deals, a worker's own tasks) are not here: the selectors
that build each view's queryset apply them, so a record out of reach answers 404.
"""

from rest_framework.permissions import DjangoModelPermissions


class RolePermissions(DjangoModelPermissions):
    """Model permissions, reading included: warehouse staff hold no ``view_deal``."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }


class ViewPermission(DjangoModelPermissions):
    """Only ``view`` of the model for every method: the services the actions call decide who
    may do what (the director approves, a worker starts their task)."""

    perms_map = {
        method: ["%(app_label)s.view_%(model_name)s"]
        for method in ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
    }
