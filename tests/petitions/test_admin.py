"""The admin edits configuration and the holiday calendar; cases and their history are read only."""

import pytest
from django.urls import reverse

from petitions.models import Status


@pytest.mark.django_db
def test_admin_reads_cases_and_history_but_cannot_change_them(admin_user, client_as, make_petition):
    petition = make_petition(Status.IN_PROGRESS)
    client = client_as(admin_user)
    assert client.get(reverse("admin:petitions_petition_changelist")).status_code == 200
    page = client.get(reverse("admin:petitions_petition_change", args=[petition.pk]))
    assert page.status_code == 200 and petition.tracking_number in page.content.decode()
    assert client.get(reverse("admin:petitions_petitionevent_changelist")).status_code == 200
    assert client.get(reverse("admin:petitions_petitionevent_add")).status_code == 403
    assert client.get(reverse("admin:petitions_petition_add")).status_code == 403
    event = petition.events.first()
    assert (
        client.post(reverse("admin:petitions_petitionevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert petition.events.count() == 4


@pytest.mark.django_db
def test_admin_enters_holidays(admin_user, client_as):
    from petitions.models import Holiday

    client = client_as(admin_user)
    response = client.post(
        reverse("admin:petitions_holiday_add"), {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert response.status_code == 302
    assert Holiday.objects.get().name == "元旦"
