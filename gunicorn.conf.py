"""gunicorn's settings, in one place: the Docker image, the systemd unit and the README all start
``gunicorn --config gunicorn.conf.py minqing.wsgi:application`` in the project folder. A command-line flag (or
GUNICORN_CMD_ARGS) still wins, e.g. ``--bind 127.0.0.1:8000`` behind nginx on the same host.
"""

import os

# Inside the container; docker-compose.yml publishes only the proxy, never this port.
bind = "0.0.0.0:8000"

# Three synchronous workers: a township's few dozen users make a handful of requests a second at most, each
# answered in well under a second; every worker holds about 150 MB and a PostgreSQL connection, and the same
# two-core server also runs PostgreSQL, Redis and the Celery worker. WEB_CONCURRENCY overrides it (a county
# server with more cores and users: about 2 × cores + 1).
workers = int(os.getenv("WEB_CONCURRENCY", "3"))

# The longest honest request is an Excel export or import preview of a whole ledger (10,000+ households, about
# 20 s on a slow server), or an upload over a slow township link when nothing buffers it in front: 120 s, so
# those finish, while a request stuck for longer is ended and its worker replaced instead of serving nobody.
# Heavier work (the monthly report) runs in Celery, not here.
timeout = 120
# On SIGTERM (docker stop, systemctl stop), requests under way get this long to finish.
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
