"""Security around the edges: login throttling, Content-Security-Policy, no secret in sessions or logs."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from config.login_throttling import lockout_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return get_user_model().objects.create_superuser("admin", password="right-password")


def sign_in(client, password: str, username: str = "admin", language: str = "en"):
    return client.post(
        "/admin/login/", {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE=language
    )


def test_thirty_wrong_passwords_then_the_right_one_is_refused_with_a_translated_page(client, staff):
    for _ in range(30):
        sign_in(client, "wrong", language="ru")
    response = sign_in(client, "right-password", language="ru")
    assert response.status_code == 429
    page = response.content.decode()
    assert 'lang="ru"' in page
    assert 'class="login-form"' in page  # the admin's own sign-in page, not a bare error page
    with translation.override("ru"):
        assert lockout_message(15) in page
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out


def test_a_few_typos_do_not_lock_anyone_out(client, staff):
    for _ in range(3):
        assert sign_in(client, "wrong").status_code == 200
    assert sign_in(client, "right-password").status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_one_guessed_username_does_not_lock_out_another(client, staff):
    get_user_model().objects.create_user("facilitator", password="her-password")
    for _ in range(10):
        sign_in(client, "wrong")
    assert sign_in(client, "her-password", username="facilitator").status_code == 302
