"""Comments on a deal's timeline; @login mentions notify the people named who may open the
deal. A colleague who may not open it is not sent its title and a link that answers 404: the
comment is saved without notifying them, and the author is told who was left out."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext, ngettext

from deals.exceptions import DealError
from deals.guards import can_see_deal
from deals.models import Deal, DealComment
from deals.services.deals import validate_upload
from deals.services.tasks import COMMENT_EMPTY
from deals.validators import check_text
from fulfillment import notifications
from fulfillment.exceptions import PermissionDeniedError
from fulfillment.roles import AnyUser, person_name

MENTION = re.compile(r"@([\w.@+-]+)")


def deal_comment_add(
    *, deal: Deal, author: AnyUser, text: str, file: File | None = None
) -> DealComment:
    """Add a comment to the deal's timeline; everyone @mentioned by login who may open the deal
    is notified. Those who may not are listed in ``comment.unreachable_mentions`` (not stored)
    for the page or the API to tell the author; ``mentions_not_sent_message`` words it."""
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
    named = get_user_model().objects.filter(username__in=logins, is_active=True).order_by("pk")
    mentioned = [user for user in named if can_see_deal(deal, user)]
    unreachable = [user for user in named if user not in mentioned]
    with transaction.atomic():
        comment = DealComment.objects.create(
            deal=deal, author=author, text=text or "", file=file or ""
        )
        comment.mentions.set(mentioned)
        notifications.mentioned(users=mentioned, comment=comment)
    comment.unreachable_mentions = unreachable
    return comment


def mentions_not_sent_message(comment: DealComment) -> str:
    """What the author is told about colleagues who were mentioned but may not open the deal;
    empty when everyone mentioned was notified."""
    people = getattr(comment, "unreachable_mentions", [])
    if not people:
        return ""
    return ngettext(
        "%(people)s cannot open this deal and was not notified.",
        "%(people)s cannot open this deal and were not notified.",
        len(people),
    ) % {"people": ", ".join(person_name(user) for user in people)}
