"""The client's account and what clients did in the portal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClientAccount(models.Model):
    """A sign-in of a company's contact person to the portal (``/client/``).

    The user holds no staff role group: what a client may reach is decided from this row
    (the contact's company). Access is off while ``disabled_at`` is set (the user is made
    inactive too, so a running session ends at its next request)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="client_account",
        verbose_name=_("user"),
    )
    contact = models.OneToOneField(
        "deals.Contact",
        models.CASCADE,
        related_name="client_account",
        verbose_name=_("contact person"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    invited_at = models.DateTimeField(_("invited"), default=timezone.now)
    activated_at = models.DateTimeField(_("password set"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("access disabled"), null=True, blank=True)

    class Meta:
        verbose_name = _("client account")
        verbose_name_plural = _("client accounts")

    def __str__(self) -> str:
        return f"{self.contact} ({self.user.email})"

    @property
    def is_enabled(self) -> bool:
        return self.disabled_at is None and self.user.is_active

    @property
    def company_id(self) -> int:
        return self.contact.company_id


class ClientAction(models.Model):
    """Something a client did on a request, shown on the deal's timeline for staff."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created the request")
        LIST_UPLOADED = "list_uploaded", _("uploaded the shipment list")
        RECOUNT_AGREED = "recount_agreed", _("agreed the recount")
        LINES_DISPUTED = "lines_disputed", _("disputed recount lines")

    deal = models.ForeignKey(
        "deals.Deal", models.CASCADE, related_name="client_actions", verbose_name=_("deal")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("client"),
    )
    kind = models.CharField(_("action"), max_length=20, choices=Kind.choices)
    # What the action carried, as the staff read it: the rows loaded, the disputed lines.
    details = models.TextField(_("details"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("client action")
        verbose_name_plural = _("client actions")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["deal", "created_at"], name="client_action_deal")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.deal_id}"
