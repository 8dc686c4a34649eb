from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """Price list, our company's requisites, and the КП, invoice and act made from them."""

    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from deals.card import (
            CardPanel,
            TimelineSource,
            register_card_panel,
            register_timeline_source,
        )
        from documents import handlers  # noqa: F401  (registers the won КП's agreed prices)
        from documents.selectors import deal_timeline_documents, document_file_access
        from documents.views import documents_panel
        from fulfillment.files import register_file_access

        register_file_access(document_file_access)
        register_card_panel(
            CardPanel(template="documents/_panel.html", context=documents_panel, order=50)
        )
        register_timeline_source(
            TimelineSource(
                kind="document",
                template="documents/_timeline_entry.html",
                entries=deal_timeline_documents,
            )
        )
