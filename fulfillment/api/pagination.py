from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """Every list answers ``{"count", "next", "previous", "results"}``, 50 per page."""

    page_size = 50


def paginated(view, items, serializer_class, **kwargs):
    """A paginated response of ``items`` for an extra action of a viewset."""
    page = view.paginate_queryset(items)
    serializer = serializer_class(page, many=True, context=view.get_serializer_context(), **kwargs)
    return view.get_paginated_response(serializer.data)
