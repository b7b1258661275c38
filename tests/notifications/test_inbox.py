import pytest
from django.core import mail

from notifications.models import Notification
from notifications.services import notification_send
from notifications.sms import LoggingSmsSender, get_sms_sender


@pytest.mark.django_db
def test_send_puts_one_message_per_recipient_and_emails_those_with_an_address(leader, reception):
    leader.email = "leader@example.org"
    leader.save()
    sent = notification_send(recipients=[leader, reception, leader], kind="test", title="有新的待批示事项", url="/")
    assert sent == 2
    assert Notification.objects.filter(recipient=leader).count() == 1
    assert Notification.objects.filter(recipient=reception).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["leader@example.org"]
    assert "有新的待批示事项" in mail.outbox[0].subject


@pytest.mark.django_db
def test_unread_count_shows_in_the_navigation_and_reading_clears_it(client_as, leader):
    notification_send(recipients=[leader], kind="test", title="超期提醒", url="/inbox/")
    client = client_as(leader)
    page = client.get("/").content.decode()
    assert 'id="unread-count">1<' in page
    note = Notification.objects.get(recipient=leader)
    response = client.post(f"/inbox/{note.pk}/read/")
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'id="unread-count"' not in client.get("/").content.decode()


@pytest.mark.django_db
def test_nobody_can_read_someone_elses_message(client_as, leader, reception):
    notification_send(recipients=[leader], kind="test", title="仅领导可见")
    note = Notification.objects.get()
    assert client_as(reception).post(f"/inbox/{note.pk}/read/").status_code == 404
    assert "仅领导可见" not in client_as(reception).get("/inbox/").content.decode()
    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.django_db
def test_mark_all_read(client_as, leader):
    notification_send(recipients=[leader], kind="a", title="一")
    notification_send(recipients=[leader], kind="b", title="二")
    client_as(leader).post("/inbox/read-all/")
    assert not Notification.objects.unread().exists()


def test_the_default_sms_sender_only_logs(caplog):
    sender = get_sms_sender()
    assert isinstance(sender, LoggingSmsSender)
    with caplog.at_level("INFO", logger="minqing.sms"):
        sender.send("13800138000", "您的诉求已受理")
    assert "13800138000" in caplog.text


@pytest.mark.django_db
def test_a_second_message_about_the_same_thing_renews_the_first(client_as, leader, reception):
    notification_send(recipients=[leader], kind="petition.replied", title="请安排回访：MQ1 第一次", url="/petitions/1/")
    first = Notification.objects.get()
    notification_send(recipients=[leader], kind="petition.replied", title="请安排回访：MQ1 第一次", url="/petitions/1/")
    client_as(leader).post(f"/inbox/{first.pk}/read/")
    sent = notification_send(
        recipients=[leader, reception], kind="petition.replied", title="请安排回访：MQ1 第二次", url="/petitions/1/"
    )
    assert sent == 2
    mine = Notification.objects.get(recipient=leader)  # still one
    assert (mine.pk, mine.title, mine.read_at) == (first.pk, "请安排回访：MQ1 第二次", None)  # renewed and unread
    assert Notification.objects.filter(recipient=reception).count() == 1
    # Another case, or another kind about the same case, is another message.
    notification_send(recipients=[leader], kind="petition.replied", title="请安排回访：MQ2", url="/petitions/2/")
    notification_send(recipients=[leader], kind="petition.supervised", title="督办通知：MQ1", url="/petitions/1/")
    assert Notification.objects.filter(recipient=leader).count() == 3
    page = client_as(leader).get("/inbox/").content.decode()
    assert page.count("请安排回访：MQ1") == 1


@pytest.mark.django_db
def test_messages_without_a_link_are_never_merged(leader):
    notification_send(recipients=[leader], kind="report.ready", title="一")
    notification_send(recipients=[leader], kind="report.ready", title="二")
    assert Notification.objects.filter(recipient=leader).count() == 2
