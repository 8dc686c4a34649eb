from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from fulfillment.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create demo users of every role, companies and deals in every stage (once)."

    def handle(self, *args, **options) -> None:
        # The demo's own notifications stay in the app; they are not mailed to the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            logins = seed_demo()
        self.stdout.write(
            _("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD}
        )
        width = max(len(role) for role, _username in logins) + 2
        for role, username in logins:
            self.stdout.write(f"  {role:<{width}}{username}")
