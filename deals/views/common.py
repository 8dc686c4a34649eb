"""What every staff page shares: who may open it, and how a page answers HTMX."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from deals.models import Deal
from deals.page_selectors import deal_for_card
from fulfillment.roles import is_director, is_sales

View = Callable[..., HttpResponse]


def sales_required(view: View) -> View:
    """Managers, the director and admins; warehouse staff get 403 (they work in their tasks)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_sales(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def director_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_director(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def visible_deal(request: HttpRequest, pk: int) -> Deal:
    """The deal if the user may see it; 404 otherwise (no hint that it exists)."""
    try:
        return deal_for_card(user=request.user, pk=pk)
    except Deal.DoesNotExist:
        raise Http404 from None
