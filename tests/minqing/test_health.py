import time

import pytest
from django.db import OperationalError, connection


@pytest.mark.django_db
def test_healthz_reports_database_pages_and_eager_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "pages": "ok", "broker": "eager"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"
    assert response.json()["status"] == "error"


@pytest.mark.django_db
def test_healthz_is_503_when_no_page_can_render(client, settings, tmp_path):
    """The image that collected its static files with the development storage: DEBUG=0 finds no manifest, every
    page raises, and the database and broker are fine. The health check must say so."""
    settings.STATIC_ROOT = tmp_path  # nothing collected here
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["pages"] == "error"


def test_healthz_reports_a_broker_that_does_not_answer(broker_down):
    from minqing.views import broker_status

    assert broker_status() == "error"


@pytest.mark.django_db
def test_healthz_answers_within_two_seconds_with_the_broker_down(client, broker_down):
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 2
    assert response.status_code == 200  # pages still work: the broker is reported, not required
    assert response.json()["broker"] == "error"
