from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "deadlines"
    verbose_name = _("Stage deadlines")

    def ready(self) -> None:
        from deadlines import handlers  # noqa: F401  (registers the reminder's outbox action)
        from deadlines.services import DATE_BASES, deadline_book
        from deals.due import DueSource, register_due_source

        register_due_source(DueSource(columns=DATE_BASES, load=lambda: deadline_book().due_at))
