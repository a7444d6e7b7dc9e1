"""Production settings for the fault drills (``bench/faults.py``).

``portal.settings.production`` as deployed (``CONN_MAX_AGE`` 60, DEBUG off), with only what a
drill needs:

- ``STATIC_ROOT`` in the drill's temporary directory (``FAULTS_STATIC_ROOT``), filled by
  ``collectstatic`` before gunicorn starts: the manifest storage needs it, and the 503 page
  links the style sheets;
- ``FAULTS_HEALTH_CHECKS=0`` turns ``CONN_HEALTH_CHECKS`` off, for the drill's negative
  control; unset, the setting is what production makes it.

The environment sets the rest (``bench/faults.py``): the database of the drill's own cluster,
``USE_HTTPS=false``, ``REDIS_URL`` (empty, or the drill's own redis-server), emails.
"""

import os

from portal.settings.production import *  # noqa: F403
from portal.settings.production import DATABASES

STATIC_ROOT = os.environ["FAULTS_STATIC_ROOT"]
if os.environ.get("FAULTS_HEALTH_CHECKS") is not None:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = os.environ["FAULTS_HEALTH_CHECKS"] == "1"
