"""The Celery app.

Settings come from Django's settings under the ``CELERY_`` namespace. With no ``REDIS_URL``
(the embedded default of ``make run``), tasks run in-process: see ``CELERY_TASK_ALWAYS_EAGER``
in ``portal/settings/base.py``.
"""

import os

from celery import Celery

from .watchdog import Watchdog

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# A worker that stops consuming ends itself, for its supervisor to restart (portal/watchdog.py).
app.steps["worker"].add(Watchdog)
