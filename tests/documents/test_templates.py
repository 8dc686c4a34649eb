"""Document templates an administrator edits: a clear Russian refusal, a closed engine."""

import pytest
from django.core.exceptions import ValidationError

from documents.exceptions import DocumentError
from documents.models import Document, DocumentCounter, DocumentTemplate
from documents.rendering import default_html, render_html
from documents.services import document_generate
from tests.documents.helpers import pdf_text


def test_an_administrators_template_is_used(ready, acceptance_deal, manager):
    DocumentTemplate.objects.create(
        kind="invoice", html="<p>Наш счет {{ number }} на {{ total }} — {{ total_in_words }}</p>"
    )
    document = document_generate(deal=acceptance_deal, kind="invoice", actor=manager)
    assert "Наш счет 1 на 1" in pdf_text(document)


def test_a_broken_template_is_refused_in_russian_and_saves_nothing(ready, acceptance_deal, manager):
    DocumentTemplate.objects.create(kind="invoice", html="{% for line in lines %}")
    with pytest.raises(DocumentError) as refused:
        document_generate(deal=acceptance_deal, kind="invoice", actor=manager)
    assert refused.value.message.startswith("В шаблоне документа ошибка")
    assert not Document.objects.exists()
    assert not DocumentCounter.objects.filter(last_number__gt=0).exists()


@pytest.mark.parametrize(
    "html",
    [
        "{% for x in lines %}",
        "{% load static %}{% static 'x' %}",
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% debug %}",
    ],
)
def test_the_admin_form_refuses_a_template_that_does_not_render(db, html):
    template = DocumentTemplate(kind="invoice", html=html)
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "шаблон" in " ".join(refused.value.message_dict["html"]).lower()


def test_the_shipped_defaults_pass_the_check(db):
    for kind in Document.Kind.values:
        DocumentTemplate(kind=kind, html=default_html(kind)).full_clean()


def test_the_context_is_only_what_is_passed(settings):
    # Nothing of the project's settings or request context processors reaches a template.
    assert render_html("[{{ settings.SECRET_KEY }}{{ request }}{{ user }}{{ perms }}]", {}) == "[]"
    # HTML in values is escaped.
    assert render_html("{{ v }}", {"v": "<b>"}) == "&lt;b&gt;"
