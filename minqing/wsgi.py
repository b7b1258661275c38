import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")

application = get_wsgi_application()

# What loading Django made (models, URL patterns, templates, settings) lives as long as the process: take it out
# of the garbage collector's generations, so that a full collection walks only what requests allocate. Without
# this, every few requests of the leaders' numbers a full collection doubled the request (bench/county.py: p95
# 168 → 100 ms for a county's year, median unchanged).
gc.collect()
gc.freeze()
