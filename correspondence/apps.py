from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrespondenceConfig(AppConfig):
    """E-mail with the client: sent from the deal through the outbox, replies read over IMAP."""

    name = "correspondence"
    verbose_name = _("E-mail with clients")

    def ready(self) -> None:
        from correspondence import selectors, views
        from deals.card import (
            CardPanel,
            TimelineSource,
            register_card_panel,
            register_timeline_source,
        )
        from fulfillment.files import register_file_access

        register_card_panel(
            CardPanel(template="correspondence/_panel.html", context=views.card_panel, order=50)
        )
        register_timeline_source(
            TimelineSource(
                kind="email-out",
                template="correspondence/_outgoing.html",
                entries=selectors.outgoing_timeline,
            )
        )
        register_timeline_source(
            TimelineSource(
                kind="email-in",
                template="correspondence/_incoming.html",
                entries=selectors.incoming_timeline,
            )
        )
        register_file_access(selectors.mail_file_access)
