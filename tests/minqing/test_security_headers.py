"""Security headers on every page: a Content-Security-Policy that allows only the site itself, and friends."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/healthz"])
def test_pages_carry_a_same_origin_content_security_policy(client, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_template_has_an_inline_script_or_event_handler():
    """The policy forbids inline scripts; this keeps templates from growing one that would silently not run."""
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_page_loads_anything_from_another_site():
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        if re.search(r"""(src|href)=["']https?://""", path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.django_db
def test_every_post_needs_a_csrf_token(leader):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(leader)
    response = client.post("/inbox/read-all/")
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()


@pytest.mark.django_db
def test_a_nul_character_gets_a_clear_400_and_changes_nothing(client_as, reception):
    from petitions.models import Petition

    client = client_as(reception)
    response = client.get("/petitions/", {"q": "abc\x00def"})
    assert response.status_code == 400
    assert "提交的内容无法处理" in response.content.decode()
    response = client.post("/petitions/new/", {"petitioner_name": "张\x00三"})
    assert response.status_code == 400
    assert not Petition.objects.exists()


@pytest.mark.django_db
def test_an_id_beyond_64_bits_gets_a_clear_400(client_as, leader):
    response = client_as(leader).post("/households/new/", {"tags": "9223372036854775808", "head_name": "张三"})
    assert response.status_code in (200, 400)  # a form error or the 400 page, never a crash


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_before_it_is_read(client_as, reception, settings, monkeypatch):
    from django.core.handlers.wsgi import WSGIRequest

    settings.MINQING_MAX_REQUEST_MB = 1
    read = []
    monkeypatch.setattr(WSGIRequest, "read", lambda self, *a: read.append(1) or b"")
    client = client_as(reception)
    big = b"x" * (1024 * 1024 + 1)
    response = client.generic("POST", "/petitions/new/", big, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "不能超过 1 MB" in response.content.decode() and read == []
    from petitions.models import Petition

    assert not Petition.objects.exists()


def test_a_forbidden_page_is_logged_in_one_line(client, db):
    import io
    import logging

    from minqing.logfilters import OneLineForbidden
    from tests.conftest import make_user

    console = next(h for h in logging.getLogger().handlers if any(isinstance(f, OneLineForbidden) for f in h.filters))
    buffer, old = io.StringIO(), console.stream
    console.setStream(buffer)
    try:
        client.force_login(make_user("handler", "handler"))
        assert client.get("/petitions/new/").status_code == 403
    finally:
        console.setStream(old)
    lines = [line for line in buffer.getvalue().splitlines() if "Forbidden" in line or line.startswith(" ")]
    assert len(lines) == 1 and "Forbidden" in lines[0] and "/petitions/new/" in lines[0] and "user handler" in lines[0]
    assert "Traceback" not in buffer.getvalue()
