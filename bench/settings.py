"""Settings for the benchmark's gunicorn: the project's own settings plus two bench-only changes.

* ``bench.querycount.QueryCountMiddleware`` first in the chain, so every SQL statement a request runs
  (session, user, scope, the page, the session save) is counted into the ``X-Query-Count`` header.
* Everything else is production (``DEBUG=0``), over plain HTTP: the runner sets ``HTTPS=0`` (bench/measure.py).
* The cache keys carry the run's id (``BENCH_RUN_ID``), so a run never reads what an earlier run left in
  Redis (remembered figures would make a "cold" page warm).
"""

import os

from minqing.settings import *  # noqa: F403
from minqing.settings import CACHES, MIDDLEWARE

MIDDLEWARE = ["bench.querycount.QueryCountMiddleware", *MIDDLEWARE]
CACHES["default"]["KEY_PREFIX"] = os.getenv("BENCH_RUN_ID", "")
