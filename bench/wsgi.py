"""WSGI entry of the benchmark's gunicorn: the project's application, with the public lookup's rate limit lifted.

The lookup allows 10 searches per address per 10 minutes (petitions/public_views.py); every benchmark request
comes from 127.0.0.1, so the limit is raised here — the page still counts each attempt in the cache as usual.
"""

from minqing.wsgi import application  # noqa: F401 — sets Django up

try:
    from petitions import public_views
except ImportError:  # the public board is not built yet
    public_views = None
if public_views is not None and hasattr(public_views, "LOOKUP_LIMIT"):
    public_views.LOOKUP_LIMIT = 1_000_000
