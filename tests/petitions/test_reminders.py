"""The deadline reminder scan (petitions/reminders.py) as plain functions, and send_deadline_reminders:
each case gets each level of reminder once — also when two scans run at once."""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from notifications.models import Notification
from petitions import notify, reminders, workflow
from petitions.models import Petition, Reminder, Status
from tests.conftest import requires_postgres

Level = Reminder.Level
NOTHING = dict.fromkeys(Level.values, 0)


def sent(**counts) -> dict[str, int]:
    return {**NOTHING, **counts}


def told(kind: str) -> list[tuple[str, str]]:
    """(username, title) of every message of ``kind``, sorted."""
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", "title"))


def day_after(date: dt.date) -> dt.date:
    return date + dt.timedelta(days=1)


@pytest.mark.django_db
def test_an_overdue_case_reminds_its_department_and_routing_leader_once(make_petition, handler_minzheng, leader):
    petition = make_petition(Status.IN_PROGRESS)
    today = day_after(petition.reply_by)

    assert reminders.reminders_scan(today=today) == sent(overdue=1)
    title = f"已超期：{petition.tracking_number} {petition.summary}"
    assert told("reminder.overdue") == [("handler", title), ("leader", title)]
    reminder = Reminder.objects.get()
    assert (reminder.petition, reminder.level, reminder.recipients) == (petition, Level.OVERDUE, 2)
    assert reminder.sent_at is not None

    assert reminders.reminders_scan(today=today) == NOTHING
    assert reminders.reminders_scan(today=today + dt.timedelta(days=3)) == NOTHING
    assert Notification.objects.filter(kind="reminder.overdue").count() == 2


@pytest.mark.django_db
def test_a_case_not_signed_for_in_time_reminds_the_department(make_petition):
    petition = make_petition(Status.ASSIGNED)
    assert reminders.reminders_scan(today=petition.sign_by) == NOTHING  # the last day to sign: not yet
    assert reminders.reminders_scan(today=day_after(petition.sign_by)) == sent(sign_overdue=1)
    assert [u for u, _ in told("reminder.sign_overdue")] == ["handler", "leader"]


@pytest.mark.django_db
def test_a_case_due_on_its_last_working_day_is_due_soon(make_petition):
    petition = make_petition(Status.IN_PROGRESS)
    assert reminders.reminders_scan(today=timezone.localdate()) == NOTHING  # routed today: days to go
    assert reminders.reminders_scan(today=petition.reply_by) == sent(due_soon=1)
    assert "答复期限：" + petition.reply_by.isoformat() in Notification.objects.filter(kind="reminder.due_soon")[0].body
    # Then it goes overdue: a different level, sent once too.
    assert reminders.reminders_scan(today=day_after(petition.reply_by)) == sent(overdue=1)


@pytest.mark.django_db
def test_a_supervised_case_reminds_the_department_until_it_is_replied(make_petition, leader, handler_minzheng):
    petition = make_petition(Status.IN_PROGRESS)
    replied = make_petition(Status.IN_PROGRESS)
    for case in (petition, replied):
        workflow.petition_supervise(petition=case, by=leader, note="请加快")
    workflow.petition_reply(
        petition=replied, by=handler_minzheng, facts="已核实", decision="support", delivery="in_person"
    )
    assert reminders.reminders_scan() == sent(supervised=1)
    assert Reminder.objects.get().petition == petition
    assert [u for u, _ in told("reminder.supervised")] == ["handler", "leader"]


@pytest.mark.django_db
def test_a_revisit_coming_due_reminds_the_villages_liaisons(make_petition, liaison_a, liaison_b, settings):
    settings.MINQING_REVISIT_AFTER_DAYS = 7
    petition = make_petition(Status.REPLIED)
    assert reminders.reminders_scan(now=petition.replied_at + dt.timedelta(days=6)) == NOTHING
    assert reminders.reminders_scan(now=petition.replied_at + dt.timedelta(days=7)) == sent(revisit_due=1)
    assert [u for u, _ in told("reminder.revisit_due")] == ["liaison"]


@pytest.mark.django_db
def test_a_revisit_in_a_village_without_liaisons_reminds_the_routing_leader(make_petition):
    petition = make_petition(Status.REPLIED)
    assert reminders.reminders_scan(now=petition.replied_at + dt.timedelta(days=30)) == sent(revisit_due=1)
    assert [u for u, _ in told("reminder.revisit_due")] == ["leader"]


@pytest.mark.django_db
def test_a_case_answered_at_the_desk_without_liaisons_reminds_its_registrar(make_petition, reception):
    petition = make_petition(Status.REGISTERED)
    workflow.petition_answer_at_desk(petition=petition, by=reception, facts="当场解释政策", decision="explained")
    assert reminders.reminders_scan(now=petition.replied_at + dt.timedelta(days=30)) == sent(revisit_due=1)
    assert [u for u, _ in told("reminder.revisit_due")] == ["reception"]


@pytest.mark.django_db
def test_a_reminder_that_failed_to_send_goes_out_with_the_next_scan(make_petition, monkeypatch):
    petition = make_petition(Status.IN_PROGRESS)
    today = day_after(petition.reply_by)
    real_deliver = notify.deliver

    def mail_server_and_database_gone(msg):
        real_deliver(msg)  # the inbox rows are written, then the transaction fails
        raise ConnectionError("lost the database mid-send")

    monkeypatch.setattr(notify, "deliver", mail_server_and_database_gone)
    assert reminders.reminders_scan(today=today) == NOTHING
    assert Reminder.objects.get().sent_at is None  # the claim rolled back with the inbox rows
    assert not Notification.objects.exists()

    monkeypatch.undo()
    assert reminders.reminders_scan(today=today) == sent(overdue=1)
    assert reminders.reminders_scan(today=today) == NOTHING
    assert Notification.objects.filter(kind="reminder.overdue").count() == 2


@pytest.mark.django_db
def test_an_unsent_reminder_of_a_case_no_longer_due_is_not_sent(make_petition, handler_minzheng):
    petition = make_petition(Status.IN_PROGRESS)
    today = day_after(petition.reply_by)
    reminders.reminders_create(Level.OVERDUE, [petition.pk])  # found due, then the worker died
    workflow.petition_reply(
        petition=petition, by=handler_minzheng, facts="已核实", decision="support", delivery="in_person"
    )
    assert reminders.reminders_scan(today=today) == NOTHING
    assert Reminder.objects.get().sent_at is None


@pytest.mark.django_db
def test_the_same_reminder_claimed_twice_is_sent_once(make_petition):
    """Two scans (or a task delivered twice) holding the same unsent row: only one claim wins."""
    petition = make_petition(Status.IN_PROGRESS)
    today = day_after(petition.reply_by)
    due = reminders.due_petitions(Level.OVERDUE, today=today)
    reminders.reminders_create(Level.OVERDUE, due.values_list("pk", flat=True))
    reminders.reminders_create(Level.OVERDUE, due.values_list("pk", flat=True))  # the second scan's insert
    first = list(reminders.unsent_reminders(Level.OVERDUE, due))
    second = list(reminders.unsent_reminders(Level.OVERDUE, due))
    assert len(first) == len(second) == 1

    assert reminders.reminder_send(first[0]) is True
    assert reminders.reminder_send(second[0]) is False
    assert Notification.objects.filter(kind="reminder.overdue").count() == 2
    assert Reminder.objects.count() == 1


@pytest.mark.django_db
def test_an_accusation_reminder_names_only_the_number(make_petition, accusation_category):
    petition = make_petition(Status.IN_PROGRESS, category=accusation_category, summary="举报村干部侵占补贴")
    reminders.reminders_scan(today=day_after(petition.reply_by))
    titles = {title for _, title in told("reminder.overdue")}
    assert titles == {f"已超期：{petition.tracking_number}（检举控告）"}
    assert set(Notification.objects.values_list("body", flat=True)) == {notify.CONFIDENTIAL_NOTE}


# --- The command ----------------------------------------------------------------------------------


def run_command() -> str:
    out = io.StringIO()
    call_command("send_deadline_reminders", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_command_prints_one_line_per_level_and_zeros_when_run_again(make_petition):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    overdue = [make_petition(Status.IN_PROGRESS) for _ in range(3)]
    unsigned = make_petition(Status.ASSIGNED)
    Petition.objects.filter(pk__in=[p.pk for p in overdue]).update(reply_by=yesterday)  # time has passed
    Petition.objects.filter(pk=unsigned.pk).update(sign_by=yesterday)

    assert run_command() == "sign_overdue: 1\ndue_soon: 0\noverdue: 3\nsupervised: 0\nrevisit_due: 0\n"
    assert run_command() == "sign_overdue: 0\ndue_soon: 0\noverdue: 0\nsupervised: 0\nrevisit_due: 0\n"
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 4


# --- Two scans at once ------------------------------------------------------------------------------


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_send_each_reminder_once(make_petition, leader):
    cases = [make_petition(Status.IN_PROGRESS) for _ in range(6)]
    for case in cases[:2]:
        workflow.petition_supervise(petition=case, by=leader, note="请加快")
    today = day_after(max(case.reply_by for case in cases))
    Notification.objects.all().delete()  # the routing and supervision messages

    scans = 4
    barrier = threading.Barrier(scans)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def scan():
        try:
            barrier.wait(timeout=10)
            results.append(reminders.reminders_scan(today=today))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(scans)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == scans
    totals = {level: sum(result[level] for result in results) for level in Level.values}
    assert totals == sent(overdue=6, supervised=2)
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0
    # Each reminder once to each of its two recipients (the handler and the routing leader).
    assert Notification.objects.filter(kind="reminder.overdue").count() == 12
    assert Notification.objects.filter(kind="reminder.supervised").count() == 4
    per_case = Notification.objects.values_list("recipient__username", "kind", "title")
    assert len(set(per_case)) == len(per_case)


@pytest.mark.django_db
def test_two_scans_in_sequence_send_each_reminder_once(make_petition):
    """The SQLite counterpart of the test above: the claim is the same compare-and-set."""
    cases = [make_petition(Status.IN_PROGRESS) for _ in range(3)]
    today = day_after(max(case.reply_by for case in cases))
    assert reminders.reminders_scan(today=today) == sent(overdue=3)
    assert reminders.reminders_scan(today=today) == NOTHING
    assert Notification.objects.filter(kind="reminder.overdue").count() == 6


@pytest.mark.django_db
def test_a_reminder_with_nobody_to_tell_is_logged_and_not_retried(make_petition, dept_zigui, leader, caplog):
    caplog.set_level(logging.DEBUG, logger="petitions.notify")  # at DEBUG: not for `make run`'s console
    petition = make_petition(Status.ASSIGNED, lead_department=dept_zigui)  # 自规所 has no staff here
    leader.is_active = False  # and the routing leader has left
    leader.save()
    today = day_after(petition.sign_by)
    assert reminders.reminders_scan(today=today) == sent(sign_overdue=1)
    assert "nobody to tell" in caplog.text
    assert Reminder.objects.get().recipients == 0
    assert reminders.reminders_scan(today=today) == NOTHING
