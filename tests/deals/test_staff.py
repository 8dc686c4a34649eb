"""The «Ответственный» selects: who they offer, from the cache, and what a form accepts."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from deals.forms import BoardFilter, DealFieldsForm, field_key
from deals.models import Deal
from deals.staff import responsible_choices
from fulfillment.roles import Role, person_name
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _names() -> list[str]:
    return [name for _pk, name in responsible_choices()]


def test_the_choices_are_active_managers_and_directors_by_name(manager, director, worker):
    UserFactory(role=Role.MANAGER, is_active=False)
    expected = sorted([manager, director], key=lambda u: (u.last_name, u.first_name, u.username))

    assert responsible_choices() == [(u.pk, person_name(u)) for u in expected]


def test_the_choices_are_read_once_then_from_the_cache(manager, django_assert_num_queries):
    responsible_choices()

    with django_assert_num_queries(0):
        assert _names() == [person_name(manager)]


def test_a_new_manager_a_renamed_one_and_a_changed_role_are_offered_at_once(manager):
    assert _names() == [person_name(manager)]

    newcomer = UserFactory(role=Role.MANAGER)  # created, then added to the group
    assert person_name(newcomer) in _names()

    manager.first_name, manager.last_name = "Ольга", "Новикова"
    manager.save()
    assert "Ольга Новикова" in _names()

    newcomer.groups.clear()
    assert person_name(newcomer) not in _names()

    Group.objects.get(name=str(Role.MANAGER)).delete()
    assert _names() == []


def test_a_form_checks_the_choice_in_the_database_not_in_the_cache(manager, other_manager):
    newcomer = UserFactory()
    responsible_choices()  # cached: both managers, not the newcomer
    # Bulk changes send no signal, so the cached list is stale now.
    get_user_model().objects.filter(pk=other_manager.pk).update(is_active=False)
    memberships = get_user_model().groups.through.objects
    memberships.bulk_create(
        [memberships.model(user=newcomer, group=Group.objects.get(name=str(Role.MANAGER)))]
    )

    def accepts(user) -> bool:
        form = DealFieldsForm({field_key("responsible"): user.pk}, paths=["responsible"])
        return form.is_valid()

    assert person_name(other_manager) in _names() and person_name(newcomer) not in _names()
    assert accepts(manager)
    assert not accepts(other_manager)
    assert accepts(newcomer)


def test_the_select_offers_the_cached_choices(manager, director):
    form = DealFieldsForm(paths=["responsible"])
    html = str(form[field_key("responsible")])

    assert '<option value="" selected>---------</option>' in html
    for pk, name in responsible_choices():
        assert f'<option value="{pk}">{name}</option>' in html


def test_the_select_marks_the_chosen_person_and_escapes_names(manager):
    odd = UserFactory(role=Role.MANAGER, first_name="<b>Ива́н</b>", last_name="& Co")
    form = DealFieldsForm({field_key("responsible"): odd.pk}, paths=["responsible"])
    html = str(form[field_key("responsible")])

    assert html.startswith('<select name="responsible" required id="id_responsible">')
    assert f'<option value="{odd.pk}" selected>&lt;b&gt;Ива́н&lt;/b&gt; &amp; Co</option>' in html
    assert f'<option value="{manager.pk}">{person_name(manager)}</option>' in html
    assert '<option value="">---------</option>' in html


def test_only_who_sees_every_deal_filters_by_responsible(client, manager, director):
    def filters(user) -> list[str]:
        return list(BoardFilter(None, queryset=Deal.objects.all(), request=_request(user)).filters)

    assert filters(manager) == ["q"]
    assert filters(director) == ["q", "responsible"]

    for page in ("deals:board", "deals:list"):
        client.force_login(manager)
        html = client.get(reverse(page, args=["calculation"])).content.decode()
        assert 'name="q"' in html and 'name="responsible"' not in html
        client.force_login(director)
        html = client.get(reverse(page, args=["calculation"])).content.decode()
        assert 'name="responsible"' in html and person_name(manager) in html


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request
