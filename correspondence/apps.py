from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrespondenceConfig(AppConfig):
    """E-mail with the client: sent from the deal through the outbox, replies read over IMAP."""

    name = "correspondence"
    verbose_name = _("E-mail with clients")
