import pytest
from django.conf import settings


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_the_login_with_a_chinese_message(client, leader):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "leader", "password": "guess"})
        assert response.status_code == 200
        assert "请输入一个正确的" in response.content.decode()
    response = client.post("/accounts/login/", {"username": "leader", "password": "guess"})
    assert "登录失败次数过多" in response.content.decode()
    # Even the right password is refused while the lock lasts.
    from tests.conftest import PASSWORD

    response = client.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_right_password_logs_in_and_resets_the_count(client, leader):
    from tests.conftest import PASSWORD

    client.post("/accounts/login/", {"username": "leader", "password": "guess"})
    response = client.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(leader.pk)


def test_sessions_expire_after_the_configured_idle_time():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE == 120 * 60


def test_without_a_declared_proxy_a_forged_forwarded_for_is_ignored(settings):
    from axes.helpers import get_client_ip_address
    from django.test import RequestFactory

    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.1")
    assert get_client_ip_address(request) == "10.0.0.1"


def test_behind_one_proxy_the_client_is_the_address_the_proxy_appended(settings):
    from axes.helpers import get_client_ip_address
    from django.test import RequestFactory

    settings.TRUSTED_PROXY_COUNT = 1
    forged = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.1")
    assert get_client_ip_address(forged) == "203.0.113.9"


@pytest.mark.django_db
def test_a_guesser_with_many_addresses_is_stopped_per_username(client, leader):
    """Four tries each from many addresses never trip the per-address limit; the username's total does."""
    from tests.conftest import PASSWORD

    tries = 0
    for address in range(1, 100):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            response = client.post(
                "/accounts/login/", {"username": "leader", "password": "guess"}, REMOTE_ADDR=f"203.0.113.{address}"
            )
            tries += 1
            if "登录失败次数过多" in response.content.decode():
                break
        else:
            continue
        break
    assert tries == settings.AXES_USERNAME_FAILURE_LIMIT
    response = client.post("/accounts/login/", {"username": "leader", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7")
    assert "登录失败次数过多" in response.content.decode() and "暂停 15 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account is not affected.
    response = client.post("/accounts/login/", {"username": "nobody", "password": "guess"}, REMOTE_ADDR="198.51.100.7")
    assert "登录失败次数过多" not in response.content.decode()


@pytest.mark.django_db
def test_a_few_wrong_passwords_from_anywhere_do_not_lock_a_leader_out(client, leader):
    from tests.conftest import PASSWORD

    for address in range(1, settings.AXES_FAILURE_LIMIT + 1):  # five wrong tries, each from another address
        client.post("/accounts/login/", {"username": "leader", "password": "guess"}, REMOTE_ADDR=f"203.0.113.{address}")
    response = client.post("/accounts/login/", {"username": "leader", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
