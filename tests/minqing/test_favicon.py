"""/favicon.ico answers with the site's icon, and every kind of page names it."""

from __future__ import annotations

import struct

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_favicon_answers_200_with_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    reserved, kind, count = struct.unpack("<HHH", response.content[:6])
    assert (reserved, kind) == (0, 1) and count >= 1  # an ICO header
    assert "max-age" in response["Cache-Control"]
    assert client.head("/favicon.ico").status_code == 200


@pytest.mark.django_db
def test_pages_link_the_icon(client, client_as, admin_user):
    link = '<link rel="icon" href="/favicon.ico"'
    assert link in client.get(reverse("login")).content.decode()  # base.html
    assert link in client.get(reverse("public:board")).content.decode()  # the public site's base
    assert link in client_as(admin_user).get(reverse("admin:index")).content.decode()  # 系统配置
