"""The mailbox (民意信箱): a box not opened on its Tuesday is on the desk from Wednesday and reminds its
responsible person once; an opening's letters are registered as cases with channel 民意信箱."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dashboards.desks import desks_for
from duty import services
from duty.models import Mailbox, MailboxOpening
from minqing.access import scope_for
from notifications.models import Notification
from petitions.choices import Channel
from petitions.models import Petition
from tests.conftest import make_user
from tests.petitions.conftest import intake_data

TUESDAY = dt.date(2027, 3, 2)
WEDNESDAY = TUESDAY + dt.timedelta(days=1)


@pytest.fixture
def box(reception):
    from tests.conftest import make_township

    box = Mailbox.objects.create(township=make_township(), place="乡政府大门口", responsible=reception)
    # Set up weeks before the dates the tests look at.
    Mailbox.objects.filter(pk=box.pk).update(created_at=timezone.make_aware(dt.datetime(2027, 1, 4, 9)))
    box.refresh_from_db()
    # Opened the Tuesday before, as it should be.
    MailboxOpening.objects.create(
        mailbox=box, date=TUESDAY - dt.timedelta(days=7), opened_by=reception, witness=reception, letter_count=0
    )
    return box


@pytest.fixture
def on_day(monkeypatch):
    """on_day(date): timezone.localdate() answers ``date`` (other calls of localdate with a value are untouched)."""
    real = timezone.localdate

    def freeze(day):
        monkeypatch.setattr(
            timezone, "localdate", lambda value=None, tz=None: day if value is None else real(value, tz)
        )

    return freeze


def test_a_box_not_opened_on_tuesday_is_on_the_desk_on_wednesday(client_as, box, reception, leader, on_day):
    assert box.weekday == 1  # Tuesday by default
    assert services.missed_mailboxes([box.township_id], TUESDAY) == []  # its day is not over
    assert services.missed_mailboxes([box.township_id], WEDNESDAY) == [(box, TUESDAY)]
    assert desks_for(scope_for(leader), WEDNESDAY)["duty"]["missed_mailboxes"] == [(box, TUESDAY)]
    on_day(WEDNESDAY)
    page = client_as(reception).get("/").content.decode()
    assert "民意信箱未按时开箱：乡政府大门口应于3月2日（周二）开箱" in page


def test_the_warning_goes_once_the_box_is_opened_even_late(box, reception, leader, on_day):
    on_day(WEDNESDAY)
    services.mailbox_open(
        by=reception, mailbox=box, date=WEDNESDAY, opened_by=reception, witness=leader, letter_count=0
    )
    assert services.missed_mailboxes([box.township_id], WEDNESDAY) == []
    assert services.missed_mailboxes([box.township_id], WEDNESDAY + dt.timedelta(days=6)) == []  # next Tuesday not over


def test_a_box_opened_on_its_day_is_not_on_the_desk(box, reception, leader, on_day):
    on_day(TUESDAY)
    services.mailbox_open(by=reception, mailbox=box, date=TUESDAY, opened_by=reception, witness=leader, letter_count=1)
    assert services.missed_mailboxes([box.township_id], WEDNESDAY) == []
    assert desks_for(scope_for(leader), WEDNESDAY)["duty"]["missed_mailboxes"] == []


def test_the_reminder_reaches_the_responsible_person_once(box, reception, leader):
    assert services.mailbox_reminders_send(TUESDAY) == 0
    assert services.mailbox_reminders_send(WEDNESDAY) == 1
    assert services.mailbox_reminders_send(WEDNESDAY) == 0
    assert services.mailbox_reminders_send(WEDNESDAY + dt.timedelta(days=1)) == 0  # the same missed Tuesday
    sent = Notification.objects.get()
    assert sent.recipient == reception and sent.kind == "duty.mailbox_missed"
    assert "乡政府大门口" in sent.title and "2027-03-02" in sent.body
    assert not Notification.objects.filter(recipient=leader).exists()


def test_the_daily_task_runs_the_reminders(box, reception, on_day):
    from duty.tasks import remind_mailboxes

    on_day(WEDNESDAY)
    assert remind_mailboxes.delay().get() == 1
    assert Notification.objects.filter(recipient=reception).count() == 1


def test_an_opening_registers_three_letters_as_three_cases(client_as, box, reception, leader, category, village_a):
    today = timezone.localdate()
    response = client_as(reception).post(
        f"/duty/mailbox/{box.pk}/open/",
        {
            f"box{box.pk}-date": today.isoformat(),
            f"box{box.pk}-opened_by": reception.pk,
            f"box{box.pk}-witness": leader.pk,
            f"box{box.pk}-letter_count": 3,
            f"box{box.pk}-note": "",
        },
    )
    opening = MailboxOpening.objects.latest("pk")
    assert response.status_code == 302 and response.url == f"/duty/mailbox/openings/{opening.pk}/"
    assert (opening.opened_by, opening.witness, opening.letter_count) == (reception, leader, 3)

    page = client_as(reception).get(response.url).content.decode()
    assert f"/petitions/new/?mailbox_opening={opening.pk}" in page and "还有3封" in page
    form = client_as(reception).get(f"/petitions/new/?mailbox_opening={opening.pk}").context["form"]
    assert form["channel"].value() == Channel.MAILBOX

    for n in range(3):
        data = intake_data(category, village_a, channel=Channel.MAILBOX, summary=f"来信{n + 1}", petitioner_phone="")
        response = client_as(reception).post(f"/petitions/new/?mailbox_opening={opening.pk}", data)
        assert response.status_code == 302 and response.url == f"/duty/mailbox/openings/{opening.pk}/"
    cases = list(Petition.objects.order_by("pk"))
    assert [p.summary for p in cases] == ["来信1", "来信2", "来信3"]
    assert {p.channel for p in cases} == {Channel.MAILBOX}
    assert list(opening.letters.order_by("pk")) == cases

    data = intake_data(category, village_a, channel=Channel.MAILBOX, summary="来信4", petitioner_phone="")
    response = client_as(reception).post(f"/petitions/new/?mailbox_opening={opening.pk}", data)
    assert response.status_code == 200
    assert "本次开箱共3封信，已全部登记。" in response.content.decode()
    assert Petition.objects.count() == 3  # the refused fourth left nothing behind


def test_an_opening_needs_a_witness_other_than_the_opener(client_as, box, reception):
    response = client_as(reception).post(
        f"/duty/mailbox/{box.pk}/open/",
        {
            f"box{box.pk}-date": timezone.localdate().isoformat(),
            f"box{box.pk}-opened_by": reception.pk,
            f"box{box.pk}-witness": reception.pk,
            f"box{box.pk}-letter_count": 1,
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["witness"] == ["见证人不能是开箱人本人。"]
    assert MailboxOpening.objects.count() == 1  # the fixture's, no more


def test_a_department_reads_the_log_but_records_no_opening(client_as, box, handler_minzheng, reception, leader):
    assert client_as(handler_minzheng).get("/duty/mailbox/").status_code == 200
    data = {
        f"box{box.pk}-date": "2027-03-02",
        f"box{box.pk}-opened_by": reception.pk,
        f"box{box.pk}-witness": leader.pk,
    }
    assert client_as(handler_minzheng).post(f"/duty/mailbox/{box.pk}/open/", data).status_code == 403


def test_another_townships_box_is_not_found(client_as, box):
    from tests.conftest import make_township

    other = make_user("reception_hx", "reception", townships=[make_township("和兴镇", "HX", "MQHX")])
    assert client_as(other).post(f"/duty/mailbox/{box.pk}/open/", {}).status_code == 404
