"""Who edits the price list: the Администратор and the director (migration 0003's grants)."""

import pytest
from django.contrib.auth.models import Group

from fulfillment.roles import Role


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "may", "may_not"),
    [
        (
            Role.ADMINISTRATOR,
            {
                "change_price",
                "add_service",
                "change_agreedprice",
                "change_ourcompany",
                "change_documenttemplate",
                "view_document",
            },
            {"change_document", "delete_ourcompany"},
        ),
        (
            Role.DIRECTOR,
            {"change_price", "add_price", "change_service", "change_agreedprice", "view_document"},
            {"change_ourcompany", "change_documenttemplate"},
        ),
        (Role.MANAGER, set(), {"view_price", "change_price", "view_ourcompany"}),
        (Role.WAREHOUSE, set(), {"view_price", "view_document"}),
    ],
)
def test_grants(role, may, may_not):
    from tests.factories import ensure_reference_data

    ensure_reference_data()
    granted = set(
        Group.objects.get(name=str(role))
        .permissions.filter(content_type__app_label="documents")
        .values_list("codename", flat=True)
    )
    assert may <= granted
    assert not (may_not & granted)
