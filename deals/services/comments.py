"""Comments on a deal's timeline; @login mentions notify the people named."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext

from deals.exceptions import DealError
from deals.guards import can_see_deal
from deals.models import Deal, DealComment
from deals.services.deals import validate_upload
from deals.services.tasks import COMMENT_EMPTY
from deals.validators import check_text
from fulfillment import notifications
from fulfillment.exceptions import PermissionDeniedError
from fulfillment.roles import AnyUser

MENTION = re.compile(r"@([\w.@+-]+)")


def deal_comment_add(
    *, deal: Deal, author: AnyUser, text: str, file: File | None = None
) -> DealComment:
    """Add a comment to the deal's timeline; everyone @mentioned by login is notified."""
    if not can_see_deal(deal, author):
        raise PermissionDeniedError(gettext("You may not see this deal."))
    text = (text or "").strip()
    if not text and not file:
        raise DealError(gettext(COMMENT_EMPTY))
    try:
        check_text(DealComment, "text", text)
    except ValidationError as error:
        raise DealError(" ".join(error.messages)) from error
    if file:
        try:
            validate_upload(file)
        except ValidationError as error:
            raise DealError(" ".join(error.messages)) from error
    logins = {m.rstrip(".") for m in MENTION.findall(text)}
    mentioned = list(get_user_model().objects.filter(username__in=logins, is_active=True))
    with transaction.atomic():
        comment = DealComment.objects.create(
            deal=deal, author=author, text=text or "", file=file or ""
        )
        comment.mentions.set(mentioned)
        notifications.mentioned(users=mentioned, comment=comment)
    return comment
