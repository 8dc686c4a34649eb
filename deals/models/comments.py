"""Comments on a deal's timeline, with an optional file and @mentions."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.models.deals import Deal
from deals.validators import COMMENT_MAX_LENGTH, text_cap


def comment_upload_to(instance: DealComment, filename: str) -> str:
    return f"comments/{uuid.uuid4().hex}/{PurePath(filename).name}"


class DealComment(models.Model):
    deal = models.ForeignKey(Deal, models.CASCADE, related_name="comments", verbose_name=_("deal"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"), **text_cap(COMMENT_MAX_LENGTH))
    file = models.FileField(_("file"), upload_to=comment_upload_to, blank=True)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("mentioned")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("deal comment")
        verbose_name_plural = _("deal comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:50]
