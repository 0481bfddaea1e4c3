"""The Celery application. Embedded default: a SQLite broker (kombu's SQLAlchemy transport) in DATA_DIR, so
`make run` needs nothing installed; scale out by pointing CELERY_BROKER_URL at Redis or RabbitMQ."""

from celery import Celery

from config.entrypoints import use_settings

use_settings()  # the environment's, else .env's, else config.settings.production (config/entrypoints.py)

app = Celery("sbg")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
