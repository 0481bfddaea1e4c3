"""Benchmark: mixed traffic against gunicorn on loopback, with consent withdrawals in the middle of it.

Not a test. What it measures: whether the platform as committed (its gunicorn config, its database settings) holds a
pilot's load without a single 5xx, and how long a withdrawal takes to be effective from outside. It builds a throw-away
site like `make setup` (migrate, demo content, demo accounts with DEMO_PASSWORD, demo programme) plus one published
story with published audio per planned withdrawal (each with its own family, consents and recording) and one
invitation per family upload, starts gunicorn (config/gunicorn.py when present) on a free loopback port, then runs
`--clients` threads for `--seconds`, each a visitor picking at random (weights in KINDS):

- public pages: home (kk/ru/en), the story index, story pages;
- the published audio with HTTP Range (half of the listeners on the story to be withdrawn next);
- staff logins (GET the form for the CSRF token, POST the demo password);
- family uploads through an invitation, the steps a phone takes: open the link, choose people (who), open the story
  step, send the recording with the page script's resumable (tus 1.0.0) protocol (POST .../uploads/ to create it, then
  PATCH pieces of the page's chunk size, growing while pieces are quick, as the script does), post the story form (it
  gathers the finished upload into the draft), open and post the consent form, and check that the receipt came back;

and one more thread, the facilitator, who withdraws a child's consent every `--withdraw-every` seconds through the
admin form /admin/consent/withdraw/<participant>/ (retrying on a 5xx, as a person would). Each withdrawal's latency is
the time from its POST until both the story page and its audio answered 404 to two outside visitors who poll them
(every 20 ms, from the moment of the POST). On a saturated server that includes the poll's own wait in the queue.

Prints requests/s, p50/p95 and status counts per kind, the 5xx total with the distinct tracebacks from the gunicorn
log, every withdrawal's latency, and how many family uploads reached their receipt. A family step that does not answer
what a phone needs (a 404, a form shown again with errors, a refused file, a missing receipt) ends that family's
attempt: its response is counted under `family_failed` (not in the step's own timings) and the step and reason are
listed in the family summary. Goal (issue 10): 0 x 5xx and every withdrawal effective in < 1 s, on SQLite and on
PostgreSQL. It prints the figures, it does not assert them. The load generator runs on the same machine as the server:
on a small machine it takes a good share of the CPU.

Usage: .venv/bin/python bench/load.py --seconds 60 --clients 32
       DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/load.py
       (PostgreSQL: a database `sbg_bench_load` is created on that server and dropped at the end)
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import DEMO_PASSWORD, Client, Gunicorn, ThrowawaySite, server_errors  # noqa: E402

# kind -> weight of a visitor's next action
KINDS = {"home": 15, "index": 8, "story": 25, "audio": 35, "login": 7, "upload": 10}
STAFF = ["editor", "evaluator", "safeguarding", "admin"]
# The story step's recorder: the page script's upload endpoint and piece size.
STORY_RECORDER = re.compile(r'data-tus-url="([^"]+)" data-chunk-bytes="(\d+)"')
CONSENT_SCOPES = ["record_audio", "transcribe", "archive", "publish_text", "evaluation"]


@dataclass
class Story:
    page_id: int
    child_id: int
    urls: list[str]  # the page in kk, ru and en
    audio: str
    size: int


@dataclass
class World:
    stories: list[Story]
    invitations: list[tuple[str, int]]  # (link token, the registered elder of that family)
    home_urls: list[str]
    index_urls: list[str]
    upload_audio: bytes


def build_world(n_stories: int, n_invitations: int, audio_seconds: float, upload_seconds: float = 20.0) -> World:
    """The withdrawable stories (published, with published audio), the upload invitations."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.utils import translation

    from facilitation.factories import (
        ChildFactory,
        ConsentRecordFactory,
        FamilyFactory,
        ParticipantFactory,
        RecordingFactory,
        SiteFactory,
        tone_wav,
    )
    from facilitation.families.invitations import create_invitation
    from facilitation.models import Region
    from facilitation.published_audio import ensure_published_copy
    from stories.factories import StoryPageFactory
    from stories.models import HomePage, StoryContribution, StoryIndexPage

    facilitator = get_user_model().objects.get(username="facilitator")
    site = SiteFactory(region=Region.objects.first(), facilitators=[facilitator], ngo_partner="Bench NGO")
    index = StoryIndexPage.objects.get()
    wav = tone_wav(audio_seconds)
    stories = []
    with translation.override("kk"):
        for i in range(n_stories):
            family = FamilyFactory(site=site)
            elder = ParticipantFactory(family=family)
            child = ChildFactory(family=family)
            ConsentRecordFactory(participant=elder)
            ConsentRecordFactory(participant=child)
            recording = RecordingFactory(
                family=family,
                speakers=[elder, child],
                file=ContentFile(wav, name="session.wav"),
                duration_seconds=audio_seconds,
            )
            page = StoryPageFactory(
                parent=index,
                title_kk=f"Жүктеме әңгімесі {i}",
                title_ru=f"История нагрузки {i}",
                title_en=f"Load story {i}",
                slug_kk=f"zhukteme-{i}",
                slug_ru=f"nagruzka-{i}",
                slug_en=f"load-{i}",
                audio=recording,
                source_recording=recording,  # provenance: whose consent the page needs derives from its source
            )
            page.contributions.add(
                StoryContribution(participant=elder, uses_words=True, uses_audio=True),
                StoryContribution(participant=child, uses_words=True, uses_audio=True),
            )
            page.save_revision().publish()
            page.refresh_from_db()
            assert page.live, f"story {i} did not go live"
            name = ensure_published_copy(recording)  # made on first listen otherwise; made here to time the rest
            urls = [page.url_in(lang) for lang in ("kk", "ru", "en")]
            stories.append(
                Story(page.pk, child.pk, urls, f"/audio/story/{page.pk}/", recording.file.storage.size(name))
            )
        # Families who send stories: a pool with a few invitations each (a pilot: many families, few stories each).
        elders = []
        for _ in range(max(n_invitations // 4, 1)):
            elder = ParticipantFactory(family=FamilyFactory(site=site))
            ConsentRecordFactory(participant=elder)
            elders.append(elder)
        invitations = [
            (create_invitation(elder.family, language="kk")[1], elder.pk)
            for elder in (elders[i % len(elders)] for i in range(n_invitations))
        ]
    home = HomePage.objects.get()
    return World(
        stories=stories,
        invitations=invitations,
        home_urls=[home.url_in(lang) for lang in ("kk", "ru", "en")],
        index_urls=[index.url_in(lang) for lang in ("kk", "ru", "en")],
        upload_audio=tone_wav(upload_seconds, frequency=330.0),
    )


@dataclass
class Results:
    """Every response, per kind: (seconds, status). Status 0 means the connection failed."""

    samples: dict[str, list[tuple[float, int]]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)
    withdrawals: list[dict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    family: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # started / receipts / failed / ...
    family_failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # "step: reason" -> how many

    def add(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.samples[kind].append((seconds, status))

    def fail(self, kind: str, error: Exception) -> None:
        with self.lock:
            self.samples[kind].append((0.0, 0))
            if len(self.failures) < 20:
                self.failures.append(f"{kind}: {type(error).__name__}: {error}")

    def count_family(self, outcome: str, reason: str | None = None) -> None:
        with self.lock:
            self.family[outcome] += 1
            if reason:
                self.family_failures[reason] += 1


class StepFailed(Exception):
    """A step of a scenario did not answer what the next step needs: the scenario stops there, reported."""

    def __init__(self, step: str, reason: str):
        super().__init__(f"{step}: {reason}")


def why(response) -> str:
    """A short reason for an unexpected answer: its status, where it redirects, or the error it shows."""
    reason = f"answered {response.status}"
    location = response.headers.get("Location")
    if location:
        return f"{reason} -> {re.sub(r'/share/[^/]+/', '/share/<token>/', urlsplit(location).path)}"
    text = response.text()
    if response.headers.get("Content-Type", "").startswith("application/json"):
        try:
            return f"{reason} ({json.loads(text).get('error', '')})"
        except ValueError:
            return reason
    match = re.search(r'(?:id="error-summary"|class="errorlist)[^>]*>.*?<li>(.*?)</li>', text, re.S)
    return f"{reason} (form error: {re.sub(r'<[^>]+>', '', match.group(1)).strip()[:120]})" if match else reason


class Traffic:
    def __init__(self, port: int, world: World, results: Results, seed: int):
        self.port = port
        self.world = world
        self.results = results
        self.rng = random.Random(seed)
        self.live = list(world.stories)  # readers pick from these; a withdrawn story leaves after its POST
        self.target: Story | None = None  # the next story to be withdrawn: half of the listeners are on it
        self.invitations = list(world.invitations)
        self.state_lock = threading.Lock()
        self.stop = threading.Event()

    @staticmethod
    def send(client: Client, method: str, path: str, **kwargs):
        if method == "GET":
            return client.get(path, headers=kwargs.get("headers"))
        if method == "FORM":
            return client.post_form(path, kwargs["data"], kwargs.get("csrf"))
        return client.request(method, path, kwargs.get("body"), kwargs.get("headers"))

    def record(self, kind: str, client: Client, method: str, path: str, **kwargs):
        try:
            response = self.send(client, method, path, **kwargs)
        except OSError as error:
            self.results.fail(kind, error)
            client.close()
            return None
        self.results.add(kind, response.seconds, response.status)
        return response

    def step(self, kind: str, client: Client, method: str, path: str, ok, **kwargs):
        """One step of a scenario: its response when `ok(response)`, counted under `kind`; otherwise counted under
        `family_failed` (not in the step's timings) and StepFailed raised with the reason."""
        try:
            response = self.send(client, method, path, **kwargs)
        except OSError as error:
            self.results.fail(kind, error)
            client.close()
            raise StepFailed(kind, f"connection failed ({type(error).__name__})") from error
        if not ok(response):
            self.results.add("family_failed", response.seconds, response.status)
            raise StepFailed(kind, why(response))
        self.results.add(kind, response.seconds, response.status)
        return response

    def pick_story(self) -> Story | None:
        with self.state_lock:
            if self.target is not None and self.rng.random() < 0.5:
                return self.target
            return self.rng.choice(self.live) if self.live else None

    # --- the visitors ------------------------------------------------------------------------------------------
    def visitor(self, seed: int) -> None:
        rng = random.Random(seed)
        reader = Client(self.port)
        kinds, weights = zip(*KINDS.items(), strict=True)
        while not self.stop.is_set():
            kind = rng.choices(kinds, weights)[0]
            if kind == "home":
                self.record(kind, reader, "GET", rng.choice(self.world.home_urls))
            elif kind == "index":
                self.record(kind, reader, "GET", rng.choice(self.world.index_urls))
            elif kind == "story":
                story = self.pick_story()
                if story:
                    self.record(kind, reader, "GET", rng.choice(story.urls))
            elif kind == "audio":
                story = self.pick_story()
                if story:
                    start = rng.randrange(0, max(story.size - 65536, 1))
                    headers = {"Range": f"bytes={start}-{start + 65535}"}
                    self.record(kind, reader, "GET", story.audio, headers=headers)
            elif kind == "login":
                self.login(Client(self.port), rng.choice(STAFF))
            elif kind == "upload":
                self.family_upload()
        reader.close()

    def login(self, client: Client, username: str, kind: str = "login") -> bool:
        form = self.record(f"{kind}_form", client, "GET", "/admin/login/")
        if form is None or form.status != 200:
            return False
        csrf = Client.csrf_from(form)
        done = self.record(
            kind,
            client,
            "FORM",
            "/admin/login/",
            data={"username": username, "password": DEMO_PASSWORD, "next": "/admin/"},
            csrf=csrf,
        )
        ok = done is not None and done.status == 302
        if kind == "login":
            client.close()
        return ok

    def family_upload(self) -> None:
        with self.state_lock:
            invitation = self.invitations.pop() if self.invitations else None
        if invitation is None:
            self.results.count_family("no invitation left")
            return
        token, elder_id = invitation
        family = Client(self.port)
        self.results.count_family("started")
        try:
            self.family_steps(family, token, elder_id)
        except StepFailed as failed:
            self.results.count_family("failed", str(failed))
        else:
            self.results.count_family("receipts")
        finally:
            family.close()

    def family_steps(self, family: Client, token: str, elder_id: int) -> None:
        """What a phone does with the link; raises StepFailed at the first step that does not answer as it should."""
        base = f"/kk/share/{token}/"

        def redirects_to(suffix: str):
            return lambda r: r.status == 302 and urlsplit(r.headers.get("Location", "")).path.endswith(suffix)

        page = self.step("family_step", family, "GET", base, lambda r: r.status == 200 and Client.csrf_from(r))
        self.step(
            "family_step",
            family,
            "FORM",
            base,
            redirects_to("/story/"),
            data={"existing": [str(elder_id)]},
            csrf=Client.csrf_from(page),
        )
        # The story step: its form, and the page script's upload endpoint and piece size.
        story_form = self.step(
            "family_step", family, "GET", base + "story/", lambda r: r.status == 200 and STORY_RECORDER.search(r.text())
        )
        tus_url, chunk = STORY_RECORDER.search(story_form.text()).groups()
        csrf = Client.csrf_from(story_form)
        tus = {"Tus-Resumable": "1.0.0", "X-CSRFToken": csrf or ""}
        audio = self.world.upload_audio
        created = self.step(
            "upload_create",
            family,
            "POST",
            unescape(tus_url),
            lambda r: r.status == 201 and r.headers.get("Location"),
            headers={**tus, "Upload-Length": str(len(audio)), "Upload-Metadata": "filetype YXVkaW8vd2F2"},
        )
        upload_path = urlsplit(created.headers["Location"]).path
        # Pieces as the page script sends them: the page's chunk size, doubled while a piece takes < 2 s (at most
        # 8 MiB), halved again (never below the page's) when one takes > 10 s; a 409 gives the server's offset.
        offset, piece, chunk = 0, int(chunk), int(chunk)
        for _attempt in range(len(audio) // piece + 5):
            response = self.step(
                "upload_piece",
                family,
                "PATCH",
                upload_path,
                lambda r: r.status in (204, 409) and (r.headers.get("Upload-Offset") or "").isdigit(),
                body=audio[offset : offset + piece],
                headers={**tus, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
            )
            offset = int(response.headers["Upload-Offset"])
            if response.headers.get("Upload-State") == "accepted":
                break
            if offset >= len(audio):  # every byte there but not accepted: the server's check did not take it
                raise StepFailed("upload_piece", f"all {offset} bytes sent, upload not accepted ({why(response)})")
            if response.seconds < 2:
                piece = min(piece * 2, 8 * 1024 * 1024)
            elif response.seconds > 10:
                piece = max(piece // 2, chunk)
        else:
            raise StepFailed("upload_piece", f"no progress: at {offset} of {len(audio)} bytes")
        self.step(
            "family_step",
            family,
            "FORM",
            base + "story/",
            redirects_to("/consent/"),
            data={"title": "Жүктеме", "language": "kk"},
            csrf=csrf,
        )
        key = f"p{elder_id}"
        consent_form = self.step(
            "family_step",
            family,
            "GET",
            base + "consent/",
            lambda r: r.status == 200 and f'name="{key}-record_audio"' in r.text(),
        )
        data = [(f"{key}-{scope}", "on") for scope in CONSENT_SCOPES] + [(f"{key}-publish_languages", "kk")]
        self.step(
            "family_complete",
            family,
            "FORM",
            base + "consent/",
            lambda r: r.status == 200 and "data-reference" in r.text(),  # the receipt, not the form again
            data=data,
            csrf=Client.csrf_from(consent_form),
        )

    # --- the facilitator ---------------------------------------------------------------------------------------
    def facilitator(self, every: float, limit: int) -> None:
        staff = Client(self.port)
        if not self.login(staff, "facilitator", kind="facilitator_login"):
            self.results.failures.append("the facilitator could not log in: no withdrawals")
            return
        stories = list(self.world.stories)
        self.rng.shuffle(stories)
        next_at = time.monotonic() + min(every, 2.0)
        for story in stories[:limit]:
            with self.state_lock:
                self.target = story
            while time.monotonic() < next_at:
                if self.stop.wait(0.05):
                    return
            next_at += every
            if self.stop.is_set():
                break  # only withdrawals under load count (the schedule slips when the server is saturated)
            self.results.withdrawals.append(self.withdraw(staff, story))
        with self.state_lock:
            self.target = None

    def withdraw(self, staff: Client, story: Story) -> dict:
        """POST the withdrawal (again on a 5xx, as a person would) while two outside visitors poll the page and the
        audio from the moment of the POST; effective = both answered 404 (the time their 404 response arrived)."""
        path = f"/admin/consent/withdraw/{story.child_id}/"
        form = self.record("withdraw_form", staff, "GET", path)
        csrf = Client.csrf_from(form) if form is not None else None
        data = {"everything": "on", "given_by": "guardian", "note": "bench"}
        gone: dict[str, float] = {}
        done = threading.Event()
        t0 = time.perf_counter()

        def poll(which: str, url: str) -> None:
            outside = Client(self.port)
            while not done.is_set() and time.perf_counter() - t0 < 60:
                response = self.record("withdraw_check", outside, "GET", url, headers={"Range": "bytes=0-1023"})
                if response is not None and response.status == 404:
                    gone[which] = time.perf_counter() - t0
                    break
                time.sleep(0.02)
            outside.close()

        pollers = [
            threading.Thread(target=poll, args=("page", story.urls[0]), daemon=True),
            threading.Thread(target=poll, args=("audio", story.audio), daemon=True),
        ]
        for poller in pollers:
            poller.start()
        posts, statuses, posted = 0, [], None
        while time.perf_counter() - t0 < 60:
            posts += 1
            response = self.record("withdraw", staff, "FORM", path, data=data, csrf=csrf)
            statuses.append(response.status if response else 0)
            if response is not None and response.status < 500:
                posted = time.perf_counter() - t0
                break
        with self.state_lock:
            if story in self.live:
                self.live.remove(story)
        for poller in pollers:
            poller.join(65)
        done.set()
        latency = max(gone.values()) if len(gone) == 2 else None
        return {"story": story.page_id, "posts": posts, "statuses": statuses, "post_s": posted, "latency": latency}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


ACCESS_LINE = re.compile(r'"(GET|POST|PATCH) (\S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+)ms')
SERVER_GROUPS = [
    ("POST withdrawal (admin)", "POST", re.compile(r"^/admin/consent/withdraw/")),
    ("POST admin login", "POST", re.compile(r"^/admin/login/")),
    ("POST family consent", "POST", re.compile(r"^/\w\w/share/[^/]+/consent/")),
    ("POST family story (gathers uploads)", "POST", re.compile(r"^/\w\w/share/[^/]+/story/")),
    ("POST family upload (create)", "POST", re.compile(r"^/\w\w/share/[^/]+/uploads/$")),
    ("PATCH family upload piece", "PATCH", re.compile(r"^/\w\w/share/[^/]+/uploads/[^/]+/")),
    ("GET published audio", "GET", re.compile(r"^/audio/story/")),
    ("GET public pages", "GET", re.compile(r"^/(kk|ru|en)/(?!share/)")),
]


def server_side(log_path: Path) -> None:
    """Time each request spent in the server (gunicorn's access log, when its format has `%(M)sms`): the rest of
    what a client measured is the wait for a free worker thread."""
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    times: dict[str, list[float]] = defaultdict(list)
    for method, path, _status, ms in ACCESS_LINE.findall(text):
        for label, group_method, pattern in SERVER_GROUPS:
            if method == group_method and pattern.match(path):
                times[label].append(int(ms) / 1000)
                break
    if not times:
        return
    print(f"\nin the server (access log){'':<12}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for label, _method, _pattern in SERVER_GROUPS:
        values = times.get(label)
        if values:
            print(
                f"{label:<38}{len(values):>7}{percentile(values, 50) * 1000:>9.0f}{percentile(values, 95) * 1000:>9.0f}"
                f"{max(values) * 1000:>9.0f}"
            )


def report(results: Results, seconds: float, log_path: Path) -> int:
    print(f"\n{'kind':<24}{'n':>7}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'2xx/3xx':>9}{'4xx':>6}{'5xx':>6}{'conn':>6}")
    total = fivexx = 0
    for kind in sorted(results.samples):
        samples = results.samples[kind]
        times = [s for s, status in samples if status]
        ok = sum(1 for _s, st in samples if 200 <= st < 400)
        c4 = sum(1 for _s, st in samples if 400 <= st < 500)
        c5 = sum(1 for _s, st in samples if st >= 500)
        conn = sum(1 for _s, st in samples if st == 0)
        total += len(samples)
        fivexx += c5
        print(
            f"{kind:<24}{len(samples):>7}{len(samples) / seconds:>9.1f}{percentile(times, 50) * 1000:>9.0f}"
            f"{percentile(times, 95) * 1000:>9.0f}{ok:>9}{c4:>6}{c5:>6}{conn:>6}"
        )
    statuses4 = {
        kind: sorted({st for _s, st in samples if 400 <= st < 500}) for kind, samples in results.samples.items()
    }
    statuses4 = {k: v for k, v in statuses4.items() if v}
    if statuses4:
        print(f"4xx statuses per kind: {statuses4}  (404 on story/audio: a story withdrawn while being read)")
    for line in results.failures:
        print(f"connection failure: {line}")
    print(f"\nrequests: {total}   requests/s: {total / seconds:.1f}   5xx: {fivexx}")
    latencies = [w["latency"] for w in results.withdrawals]
    for w in results.withdrawals:
        latency = f"{w['latency'] * 1000:.0f} ms" if w["latency"] is not None else "NOT EFFECTIVE within 60 s"
        post = f"{w['post_s'] * 1000:.0f} ms" if w["post_s"] is not None else "never"
        print(
            f"withdrawal story #{w['story']}: POST x{w['posts']} {w['statuses']} (answered after {post}), "
            f"page and audio 404 after {latency}"
        )
    effective = [x for x in latencies if x is not None]
    if latencies:
        print(
            f"withdrawals: {len(latencies)}   effective: {len(effective)}   "
            f"max latency: {max(effective) * 1000 if effective else float('nan'):.0f} ms   "
            f"all < 1 s: {len(effective) == len(latencies) and max(effective) < 1.0}"
        )
    family = results.family
    print(
        f"\nfamily uploads: started {family['started']}   receipts {family['receipts']}   failed {family['failed']}"
        + (f"   skipped (no invitation left): {family['no invitation left']}" if family["no invitation left"] else "")
    )
    if not family["started"]:
        print("family uploads: NONE STARTED: the family scenario measured nothing")
    for reason, n in sorted(results.family_failures.items(), key=lambda item: -item[1]):
        print(f"family upload FAILED at {reason}  x{n}")
    server_side(log_path)
    logged, causes = server_errors(log_path)
    print(f"500s logged by the server (gunicorn log): {logged}")
    for summary in causes:
        print("--- " + summary)
    return fivexx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--withdraw-every", type=float, default=3.0, help="seconds between withdrawals")
    parser.add_argument("--audio-seconds", type=float, default=20.0, help="length of each published recording")
    parser.add_argument(
        "--upload-seconds",
        type=float,
        default=20.0,
        help="length of the recording each family sends (16 kHz WAV, 32 kB/s: 20 s = two pieces of the page's 512 kB)",
    )
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--log", type=Path, help="keep the gunicorn log here (default: printed, then removed)")
    args = parser.parse_args()

    n_withdrawals = int(args.seconds // args.withdraw_every) + 1
    site = ThrowawaySite(
        "load", extra_env={"SUBMISSION_RATE_PER_HOUR": "1000000", "UPLOAD_REQUESTS_PER_HOUR": "1000000"}
    )
    # One address for every client: the per-address rate limits of the family pages and of the upload endpoint
    # would otherwise answer 429.
    server = None
    try:
        t0 = time.perf_counter()
        site.setup_django()
        site.build()
        world = build_world(
            n_withdrawals + 4,
            n_invitations=int(args.seconds * 8) + 50,
            audio_seconds=args.audio_seconds,
            upload_seconds=args.upload_seconds,
        )
        from django.db import connections

        connections.close_all()
        print(f"database: {site.vendor}   data dir: {site.data_dir}   set-up: {time.perf_counter() - t0:.1f} s")
        log_path = site.data_dir / "gunicorn.log"
        server = Gunicorn(site, log_path)
        print(f"gunicorn: {server.how}   port {server.port}")
        print(
            f"load: {args.clients} clients for {args.seconds:.0f} s, a withdrawal every {args.withdraw_every} s, "
            f"weights {json.dumps(KINDS)}"
        )

        results = Results()
        traffic = Traffic(server.port, world, results, args.seed)
        threads = [
            threading.Thread(target=traffic.visitor, args=(args.seed + i,), daemon=True) for i in range(args.clients)
        ]
        threads.append(
            threading.Thread(target=traffic.facilitator, args=(args.withdraw_every, n_withdrawals), daemon=True)
        )
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        traffic.stop.set()
        for thread in threads:
            thread.join(120)
        elapsed = time.perf_counter() - started
        server.stop()
        report(results, elapsed, log_path)
        if args.log:
            shutil.copy(log_path, args.log)
            print(f"gunicorn log kept in {args.log}")
    finally:
        if server is not None:
            server.stop()
        site.close()


if __name__ == "__main__":
    main()
