"""The Celery application, configured from Django settings (the ``CELERY_`` namespace)."""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fulfillment.settings")

app = Celery("fulfillment")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id travels with the jobs a request enqueues (fulfillment/logs.py).
from fulfillment.logs import job_finished, job_started, tag_published_job  # noqa: E402

before_task_publish.connect(tag_published_job)
task_prerun.connect(job_started)
task_postrun.connect(job_finished)
