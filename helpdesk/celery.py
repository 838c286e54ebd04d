"""The Celery app. Its broker is Redis when REDIS_URL is set, else a folder on disk."""

import os
from smtplib import SMTPException

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

# Every queue tasks are routed to (CELERY_TASK_ROUTES): a worker started with
# `-Q` and this list runs them all.
QUEUES = "default,email,webhooks"

# How tasks that send email retry: SMTP servers go away for a while.
EMAIL_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}

app = Celery("parley")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
