import os

from celery import Celery
from kombu.exceptions import OperationalError as BrokerOperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")

app = Celery("minqing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

#: What a dead or unreachable broker raises from ``delay`` / ``apply_async``: callers catch these and say so (a case
#: is still saved, a report or an import row says the queue is down) instead of hanging or failing the request.
BROKER_ERRORS = (BrokerOperationalError, ConnectionError, TimeoutError)
