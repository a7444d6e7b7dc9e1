"""Production settings for the load benchmarks (throughput, memory, mixed load).

``portal.settings.production`` as deployed, with what only a benchmark needs:

- ``STATIC_ROOT`` in a temporary directory (``BENCH_STATIC_ROOT``), filled by ``collectstatic``
  before gunicorn starts: the manifest storage needs it;
- ``ROOT_URLCONF = "bench.urls"``: the portal's URLs plus the ceiling view, a page that does no
  work (``/bench/ceiling/<name>/``).

The environment sets the rest (``bench.server.environment``): ``USE_HTTPS=false``,
``ALLOWED_HOSTS``, ``LOG_LEVEL=WARNING``, emails to the dummy backend, tasks in-process.
"""

import os
import tempfile
from pathlib import Path

from portal.settings.production import *  # noqa: F403

STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", str(Path(tempfile.gettempdir()) / "nmt-static"))
ROOT_URLCONF = "bench.urls"
# Where the ceiling view finds the bytes it serves: <name>.html, captured from real pages.
BENCH_CEILING_DIR = os.environ.get("BENCH_CEILING_DIR", str(Path(tempfile.gettempdir())))
