"""``manage.py bitrix24_webhook USERNAME``: print a new Bitrix24-compatible webhook URL."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bitrix.webhooks import webhook_create


class Command(BaseCommand):
    help = "Create an inbound webhook for a user and print its URL (shown only now)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--label", default="", help="what the webhook is for")

    def handle(self, *args, **options) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(
                _("No user with the login «%(login)s».") % {"login": options["username"]}
            )
        _webhook, url = webhook_create(user=user, label=options["label"])
        self.stdout.write(url)
