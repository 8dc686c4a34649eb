from django.core.management.base import BaseCommand

from deals.pipelines.docs import pipelines_markdown


class Command(BaseCommand):
    help = "Print the five pipelines (stages, moves, required fields) as Markdown."

    def handle(self, *args, **options) -> None:
        self.stdout.write(pipelines_markdown(), ending="")
