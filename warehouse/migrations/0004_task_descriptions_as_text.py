"""Warehouse task descriptions were stored HTML-escaped (the description templates were
rendered with autoescape on): store them as the plain text they are; pages escape on output.

Only descriptions the automation wrote are touched: warehouse tasks whose text has no raw
character the escaping would have replaced (``<``, ``>``, ``"``, ``'``) and holds an entity.
"""

import html
import re

from django.db import migrations

# What django.utils.html.escape writes.
_ENTITY = re.compile(r"&(amp|lt|gt|quot|#x27|#39);")
_RAW = re.compile(r"[<>\"']")


def unescape_descriptions(apps, schema_editor) -> None:
    Task = apps.get_model("deals", "Task")
    tasks = Task.objects.filter(kind="warehouse", description__contains="&").only("description")
    for task in tasks.iterator():
        text = task.description
        if _RAW.search(text) or not _ENTITY.search(text):
            continue  # not the escaped output of a description template
        Task.objects.filter(pk=task.pk).update(description=html.unescape(text))


class Migration(migrations.Migration):
    dependencies = [
        ("warehouse", "0003_push_subscription"),
        ("deals", "0003_board_indexes_cover_amount"),
    ]

    operations = [migrations.RunPython(unescape_descriptions, migrations.RunPython.noop)]
