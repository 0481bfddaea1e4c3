"""Security around the edges: login throttling, Content-Security-Policy, no secret in sessions or logs."""

from __future__ import annotations

import io
import logging
import re

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation

from config.log_redaction import RedactSecretsFilter
from config.login_throttling import lockout_message
from facilitation.factories import ConsentFormVersionFactory, tone_wav
from facilitation.families.invitations import create_invitation

from .facilitation.world import build_world
from .servers import Gunicorn
from .stories.site_tree import build_site_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return get_user_model().objects.create_superuser("admin", password="right-password")


def sign_in(client, password: str, username: str = "admin", language: str = "en"):
    return client.post("/admin/login/", {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE=language)


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


def test_a_completed_submission_leaves_no_secret_in_the_session_table(client):

    w = build_world()
    ConsentFormVersionFactory()
    _invitation, token, _code = create_invitation(w.elder_a.family, language="kk")
    base = f"/kk/share/{token}/"
    client.post(base, {"existing": [str(w.elder_a.pk)]})
    client.post(base + "story/", {"audio": SimpleUploadedFile("a.wav", tone_wav(1.0)), "title": "T", "language": "kk"})
    consent = {f"p{w.elder_a.pk}-{scope}": "on" for scope in ("record_audio", "transcribe", "archive", "evaluation")}
    response = client.post(base + "consent/", consent)
    page = response.content.decode()
    reference = re.search(r"data-reference>([^<]+)<", page).group(1)
    key = re.search(r"data-key>([^<]+)<", page).group(1)
    assert response.status_code == 200 and reference and key  # shown once, to the family

    stored = [(row.session_data, str(row.get_decoded())) for row in Session.objects.all()]
    assert stored, "the flow used a session"
    for raw, decoded in stored:
        for secret in (reference, key):
            assert secret not in decoded and secret not in raw
    assert client.get("/kk/share/receipt/").status_code == 404  # nothing to show again


def test_invitation_tokens_never_reach_djangos_request_log(client):

    handlers = logging.getLogger().handlers
    handler = next(h for h in handlers if any(isinstance(f, RedactSecretsFilter) for f in h.filters))
    stream = io.StringIO()
    previous_stream = handler.setStream(stream)
    request_logger = logging.getLogger("django.request")
    previous_level = request_logger.level
    request_logger.setLevel(logging.WARNING)
    token = "Zq8vN3kLpR2sT6wX9yB4cD7fG1hJ5mQ0"
    try:
        response = client.get(f"/ru/share/{token}/story/?x=1", HTTP_REFERER=f"http://testserver/ru/share/{token}/")
    finally:
        request_logger.setLevel(previous_level)
        handler.setStream(previous_stream)
    assert response.status_code == 404
    logged = stream.getvalue()
    assert "/ru/share/[redacted]/story/" in logged  # the line is there, the secret is not
    assert token not in logged


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_invitation_tokens_never_reach_the_access_log(tmp_path):

    w = build_world()
    ConsentFormVersionFactory()
    _invitation, token, code = create_invitation(w.elder_a.family, language="kk")
    log = tmp_path / "web.log"
    with Gunicorn(log) as server:
        family = requests.Session()
        page = family.get(f"{server.url}/kk/share/{token}/", timeout=30)
        assert page.status_code == 200
        family.get(f"{server.url}/static/css/site.css", headers={"Referer": page.url}, timeout=30)
        assert family.get(f"{server.url}/kk/share/receipt/", timeout=30).status_code == 404
    text = log.read_text()
    assert '"GET /kk/share/[redacted]/ HTTP/1.1" 200' in text
    assert "/kk/share/receipt/" in text  # a fixed page is not a secret
    assert token not in text and code not in text


def test_every_html_page_has_a_content_security_policy(client, staff):
    build_site_tree()
    public = client.get("/kk/")
    family = client.get("/kk/withdraw/")
    sign_in_page = client.get("/admin/login/")
    for response in (public, family):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in sign_in_page["Content-Security-Policy"]
    client.force_login(staff)
    assert "object-src 'none'" in client.get("/admin/")["Content-Security-Policy"]


class _RecordingHasher:
    """MD5 (fast, for tests) that notes whether a password is checked inside a database transaction."""

    seen_in_transaction: list[bool] = []

    def __new__(cls, *args, **kwargs):
        class Hasher(MD5PasswordHasher):
            def verify(self, password, encoded):
                cls.seen_in_transaction.append(connection.in_atomic_block)
                return super().verify(password, encoded)

        return Hasher(*args, **kwargs)


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_checks_the_password_outside_the_write_transaction(client, settings):
    """Hashing a password takes about half a second on the pilot's machine: inside the request transaction (which
    holds SQLite's single write lock from its start), two sign-ins would make a withdrawal wait a second."""
    settings.PASSWORD_HASHERS = ["tests.test_security._RecordingHasher"]
    get_user_model().objects.create_superuser("admin", password="right-password")
    _RecordingHasher.seen_in_transaction.clear()
    assert sign_in(client, "right-password").status_code == 302
    assert sign_in(client, "wrong").status_code == 200
    assert _RecordingHasher.seen_in_transaction == [False, False]
