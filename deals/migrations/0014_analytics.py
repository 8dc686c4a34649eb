from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def fill_stays(apps, schema_editor):
    """Earlier history rows get their deal's pipeline and, for a move, the moment the deal had
    entered the stage it left: the time of the deal's history row just before it."""
    StageChange = apps.get_model("deals", "StageChange")
    Deal = apps.get_model("deals", "Deal")
    StageChange.objects.update(
        pipeline=Subquery(Deal.objects.filter(pk=OuterRef("deal")).values("pipeline")[:1])
    )
    previous = StageChange.objects.filter(deal=OuterRef("deal")).filter(
        Q(created_at__lt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    StageChange.objects.exclude(from_stage="").update(
        from_stage_entered_at=Subquery(
            previous.order_by("-created_at", "-pk").values("created_at")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0013_deal_followups_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="stagechange",
            name="from_stage_entered_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="in the stage left since"
            ),
        ),
        migrations.AddField(
            model_name="stagechange",
            name="pipeline",
            field=models.CharField(
                default="", editable=False, max_length=20, verbose_name="pipeline"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_stays, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="stagechange",
            index=models.Index(
                fields=["pipeline", "created_at"],
                include=["to_stage", "deal"],
                name="stage_change_entries",
            ),
        ),
        migrations.AddIndex(
            model_name="stagechange",
            index=models.Index(
                fields=["pipeline", "from_stage_entered_at"],
                include=["from_stage", "to_stage", "deal", "created_at"],
                name="stage_change_stays",
            ),
        ),
        migrations.AddIndex(
            model_name="stagechange",
            index=models.Index(fields=["to_stage", "pipeline", "created_at"], name="stage_change_closings"),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["kind", "completed_at"], name="task_completed"),
        ),
    ]
