"""The Celery application. Embedded default: a SQLite broker (kombu's SQLAlchemy transport) in DATA_DIR, so
`make run` needs nothing installed; scale out by pointing CELERY_BROKER_URL at Redis or RabbitMQ."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("sbg")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
