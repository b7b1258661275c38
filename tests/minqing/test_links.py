"""The public address on receipts, contact cards and in emails (minqing/links.py): PUBLIC_BASE_URL when set,
otherwise the address the page was asked on — so `make run PORT=8101` prints port 8101."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import RequestFactory

from minqing.links import public_base_url
from notifications.services import notification_send
from petitions.models import Petition
from tests.petitions.conftest import category, intake_data  # noqa: F401 — category is a fixture
from tests.visits.conftest import make_household


@pytest.fixture
def unset(settings):
    settings.MINQING = {**settings.MINQING, "PUBLIC_BASE_URL": ""}


@pytest.fixture
def configured(settings):
    settings.MINQING = {**settings.MINQING, "PUBLIC_BASE_URL": "https://mq.example.cn/"}


def test_the_setting_wins_over_the_request(configured):
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8101")
    assert public_base_url(request) == "https://mq.example.cn"
    assert public_base_url() == "https://mq.example.cn"


def test_unset_it_is_the_address_the_page_was_asked_on(unset, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "10.0.0.5"]
    assert public_base_url(RequestFactory().get("/", HTTP_HOST="127.0.0.1:8101")) == "http://127.0.0.1:8101"
    assert public_base_url(RequestFactory().get("/", HTTP_HOST="10.0.0.5", secure=True)) == "https://10.0.0.5"
    assert public_base_url() == ""  # a task, no request: nothing says what it is


@pytest.mark.django_db
def test_the_receipt_prints_the_address_it_was_asked_on(unset, settings, client_as, reception, category, village_a):  # noqa: F811
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    client = client_as(reception)
    client.post("/petitions/new/", intake_data(category, village_a), HTTP_HOST="127.0.0.1:8101")
    petition = Petition.objects.get()
    receipt = client.get(f"/petitions/{petition.pk}/receipt/", HTTP_HOST="127.0.0.1:8101").content.decode()
    assert f"http://127.0.0.1:8101/public/DX/lookup/?number={petition.tracking_number}" in receipt
    assert "127.0.0.1:8000" not in receipt


@pytest.mark.django_db
def test_the_contact_cards_print_the_address_they_were_asked_on(unset, settings, client_as, leader, village_a):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    make_household(village_a, "K1", "王明")
    body = client_as(leader).get("/visits/contacts/cards/", {"village": village_a.pk}, HTTP_HOST="127.0.0.1:8101")
    assert "http://127.0.0.1:8101/public/DX/lookup/" in body.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("base", "link"), [("https://mq.example.cn/", "https://mq.example.cn/inbox/"), ("", None)])
def test_emails_link_to_the_public_address_only_when_it_is_known(settings, leader, base, link):
    settings.MINQING = {**settings.MINQING, "PUBLIC_BASE_URL": base}
    leader.email = "leader@example.cn"
    leader.save()
    notification_send(recipients=[leader], kind="test", title="测试", body="正文", url="/inbox/")
    (message,) = mail.outbox
    if link:
        assert link in message.body
    else:
        assert message.body == "正文"  # no half address such as "/inbox/" alone
