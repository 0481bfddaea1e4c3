"""The embedded default under real concurrency: gunicorn (several processes and threads) on SQLite (or PostgreSQL).

A facilitator's withdrawal must win over any number of listeners at once, and nobody ever gets a 500.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.core.files.base import ContentFile

from facilitation.factories import tone_wav
from stories.models import StoryContribution

from .facilitation.world import build_world
from .servers import ROOT, Gunicorn, child_env, free_port, wait_until_up
from .stories.site_tree import build_site_tree
from .wagtail_root import ensure_wagtail_root

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def staff_session(base: str, username: str, password: str) -> requests.Session:
    """Log in through the admin's login form, as a person does."""
    session = requests.Session()
    session.get(f"{base}/admin/login/", timeout=30)
    response = session.post(
        f"{base}/admin/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{base}/admin/login/"},
        timeout=60,
    )
    assert response.status_code == 200 and "sessionid" in session.cookies, response.text[:500]
    return session


@pytest.fixture
def published_story():
    w = build_world()
    ensure_wagtail_root()
    tree = build_site_tree()
    w.recording_a.file.save("session.wav", ContentFile(tone_wav(4.0)))
    story = tree.story
    story.audio = w.recording_a
    story.contributions.add(
        StoryContribution(participant=w.child_a, uses_words=True, uses_audio=True),
        StoryContribution(participant=w.elder_a, uses_words=True),
    )
    story.save_revision().publish()
    return w, story


def test_withdrawal_wins_over_many_listeners_and_nobody_gets_a_500(published_story, tmp_path):
    w, story = published_story
    readers = 10
    with Gunicorn(tmp_path / "web.log") as server:
        audio = f"{server.url}/audio/story/{story.pk}/"
        page = f"{server.url}/kk/angimeler/koktemgi-ozen/"
        assert requests.get(audio, headers={"Range": "bytes=0-99"}, timeout=30).status_code == 206
        staff = staff_session(server.url, "facilitator_a", "x")
        withdraw_url = f"{server.url}/admin/consent/withdraw/{w.child_a.pk}/"
        staff.get(withdraw_url, timeout=30)

        results: list[tuple[float, float, int]] = []  # (started, ended, status)
        stop = threading.Event()

        def listen(index: int) -> None:
            session = requests.Session()
            offset = index * 1000
            while not stop.is_set():
                started = time.monotonic()
                url = page if index % 5 == 4 else audio  # some read the page, most listen (with seeking)
                response = session.get(url, headers={"Range": f"bytes={offset}-{offset + 65535}"}, timeout=120)
                results.append((started, time.monotonic(), response.status_code))

        logins: list[int] = []

        def sign_in_again_and_again(username: str) -> None:
            while not stop.is_set():
                session = requests.Session()
                session.get(f"{server.url}/admin/login/", timeout=120)
                response = session.post(
                    f"{server.url}/admin/login/",
                    {"username": username, "password": "x", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                    timeout=120,
                )
                logins.append(response.status_code if "sessionid" in session.cookies else -response.status_code)
                results.append((0.0, 0.0, response.status_code))

        threads = [threading.Thread(target=listen, args=(i,), daemon=True) for i in range(readers)]
        threads += [
            threading.Thread(target=sign_in_again_and_again, args=(name,), daemon=True)
            for name in ("editor", "facilitator_b")
        ]
        for thread in threads:
            thread.start()
        time.sleep(4)  # the listeners are in full flow

        before = time.monotonic()
        response = staff.post(
            withdraw_url,
            {"everything": "on", "given_by": "guardian", "csrfmiddlewaretoken": staff.cookies["csrftoken"]},
            headers={"Referer": withdraw_url},
            timeout=120,
        )
        done = time.monotonic()
        latency = done - before
        # Right after the facilitator sees the report, the audio is gone for everyone.
        right_after = requests.get(audio, headers={"Range": "bytes=0-99"}, timeout=30).status_code
        time.sleep(2)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)

    log = (tmp_path / "web.log").read_text()
    assert response.status_code == 200, response.text[:2000]
    assert re.search(rf"Recording #{w.recording_a.pk}\b", response.text), "the withdrawal report says what was done"
    assert right_after == 404
    errors = [status for _s, _e, status in results if status >= 500]
    late = [status for started, _e, status in results if started > done and status != 404]
    served_before = sum(1 for started, _e, status in results if started < before and status in (200, 206))
    print(
        f"\n{len(results)} requests by {readers} listeners and 2 staff signing in ({len(logins)} sign-ins), "
        f"{len(errors)} x 5xx, {served_before} served before the withdrawal, withdrawal took {latency:.3f} s"
    )
    assert logins and all(code == 200 for code in logins), logins
    assert served_before > 20, "the listeners were really listening"
    assert not errors, f"{len(errors)} server errors of {len(results)}:\n{log[-3000:]}"
    assert not late, f"served after the withdrawal: {late}"
    assert "database is locked" not in log


def _pids(log_text: str, name: str) -> list[int]:
    return [int(pid) for pid in re.findall(rf"\[run_platform\] {name} started \(pid (\d+)\)", log_text)]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-4000:]}")


def test_supervisor_restarts_a_killed_worker_and_keeps_serving_then_stops_everything(tmp_path):
    port = free_port()
    log = tmp_path / "platform.log"
    with open(log, "wb") as out:
        platform = subprocess.Popen(
            [sys.executable, "manage.py", "run_platform", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=child_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/admin/login/", platform, log)
        worker = _wait(lambda: _pids(log.read_text(), "worker"), 30, "the worker", log)[0]
        beat = _wait(lambda: _pids(log.read_text(), "beat"), 30, "beat", log)[0]
        web = _pids(log.read_text(), "web")[0]
        _wait(lambda: "ready" in log.read_text(), 60, "the worker to be ready", log)

        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
        assert requests.get(base + "/admin/login/", timeout=30).status_code == 200  # the site does not go down
        new = _wait(lambda: [p for p in _pids(log.read_text(), "worker") if p != worker], 15, "a new worker", log)[0]
        restarted_in = time.monotonic() - killed_at
        time.sleep(2)
        assert _group_alive(new), log.read_text()[-3000:]
        assert not _group_alive(worker), "the killed worker's pool processes are gone too"
        assert requests.get(base + "/admin/login/", timeout=30).status_code == 200
        assert platform.poll() is None
        print(f"\nworker pid {worker} killed, new worker pid {new} started after {restarted_in:.1f} s")

        platform.send_signal(signal.SIGTERM)
        platform.wait(timeout=60)
        for pgid in (web, new, beat):
            _wait(lambda pgid=pgid: not _group_alive(pgid), 10, f"process group {pgid} to stop", log)
        with pytest.raises(requests.ConnectionError):
            requests.get(base + "/admin/login/", timeout=5)
    finally:
        if platform.poll() is None:
            platform.kill()
