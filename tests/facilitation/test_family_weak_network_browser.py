"""The families' flow on a weak phone network, in a real browser (Playwright, Debian's Chromium, 360 px).

- A 30 MB file goes up over a throttled line (Chromium's network emulation, a slow 3G profile), the line is cut in
  the middle, and "Send again" continues from where the server stopped: the bytes counted on the server show that
  nothing started over. Progress (percent and time left) is on screen all along, and "Continue" waits.
- A recording made in the browser is kept on the phone while it is recorded: after a failed send and a reload (one
  recording even reloaded in the middle), the family sees "saved on this phone, not yet sent" and sends it.
- The receipt comes only after every file has arrived.

Screenshots land in test-artifacts/ (weak-network-*.png).
"""

from __future__ import annotations

import io
import json
import re
import time
import wave
from pathlib import Path

import pytest
from playwright.sync_api import expect

from facilitation.factories import ConsentFormVersionFactory, tone_wav
from facilitation.families.invitations import create_invitation
from facilitation.models import DraftUpload, Recording, Submission

from ..browser import FAKE_MICROPHONE, chromium
from .world import build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
# Chromium's "Slow 3G" preset: 400 ms latency, about 400 kbit/s each way.
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
NORMAL = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0}


@pytest.fixture(scope="module")
def browser():
    with chromium(*FAKE_MICROPHONE, "--disable-quic") as browser:
        yield browser


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        permissions=["microphone"],
    )
    page = context.new_page()
    refused = []  # the families' pages run under a strict CSP: the new scripts must not trip it
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert not refused, refused


@pytest.fixture
def family(live_server):
    world = build_world()
    ConsentFormVersionFactory()
    return live_server.url, world


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"weak-network-{name}.png"), full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def open_story_step(page, server: str, world, language: str) -> str:
    _invitation, token, _code = create_invitation(world.elder_a.family, language=language)
    base = f"{server}/{language}/share/{token}/"
    page.goto(base)
    page.locator("input[name=existing]").first.check()
    page.click("button[type=submit]")
    page.wait_for_url("**/story/")
    page.check(f"input[name=language][value={language}]")
    return base


def big_wav(path: Path, megabytes: int) -> int:
    second = tone_wav(1.0)
    with wave.open(io.BytesIO(second)) as source:
        frames = source.readframes(source.getnframes())
    with wave.open(str(path), "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(16000)
        target.writeframes(frames * (megabytes * 1024 * 1024 // len(frames)))
    return path.stat().st_size


def wait_for(condition, seconds: float, what: str):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def words(page) -> dict:
    """The page's own words for the upload states (in its language), as its script receives them."""
    return json.loads(page.locator("#upload-strings").text_content())


def give_consent_and_get_receipt(page) -> None:
    page.wait_for_url("**/consent/")
    for fieldset in page.locator("fieldset.person").all():
        for scope in ("record_audio", "transcribe", "archive"):
            fieldset.locator(f"input[name$='-{scope}']").check()
        if fieldset.locator("input[name$='-guardian_relation']").count():
            fieldset.locator("input[name$='-guardian_relation']").fill("әжесі")
            fieldset.locator("input[name$='-child_assent'][value=yes]").check()
    page.click("button[type=submit]")
    try:
        page.wait_for_selector("[data-reference]")
    except Exception:
        shot(page, "consent-failed")
        raise


def test_a_30_mb_file_resumes_after_the_line_is_cut_without_starting_over(phone, family, tmp_path, settings):
    settings.UPLOAD_CHUNK_BYTES = 128 * 1024  # small pieces, so a slow line shows progress within seconds
    server, world = family
    base = open_story_step(phone, server, world, "kk")
    audio = tmp_path / "әжемнің әңгімесі.wav"
    size = big_wav(audio, 30)
    network = phone.context.new_cdp_session(phone)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", SLOW_3G)

    phone.set_input_files("input[name=audio]", str(audio))
    item = phone.locator("#upload-list .upload").first
    expect(item).to_have_attribute("data-state", "sending", timeout=20000)
    expect(item.locator(".upload__state")).to_contain_text("%")
    # Some pieces arrive over the slow line, and the time left appears.
    wait_for(lambda: DraftUpload.objects.filter(offset__gt=0).exists(), 40, "the first pieces to arrive")
    expect(item.locator(".upload__state")).to_contain_text(re.compile(r"\d+:\d\d"), timeout=10000)
    assert fits_the_screen(phone)
    shot(phone, "1-sending-slowly")
    # "Continue" while it is still sending: the page says to wait, and stays.
    phone.click("#story-form button[type=submit]")
    expect(phone.locator("#upload-status")).to_have_text(words(phone)["notYet"])
    assert phone.url == base + "story/"

    # The line is cut in the middle of the upload.
    network.send("Network.emulateNetworkConditions", OFFLINE)
    expect(item).to_have_attribute("data-state", re.compile("retrying|local"), timeout=60000)
    expect(item.locator("[data-do=send]")).to_be_visible()
    shot(phone, "2-line-cut")
    upload = DraftUpload.objects.get()
    at_cut = upload.offset
    assert 0 < at_cut < size

    # The line is back: "Send again" continues from the server's offset.
    network.send("Network.emulateNetworkConditions", NORMAL)
    if item.get_attribute("data-state") in ("retrying", "local"):
        item.locator("[data-do=send]").click()
    expect(item).to_have_attribute("data-state", "sent", timeout=60000)
    shot(phone, "3-sent")
    upload.refresh_from_db()
    assert upload.state == "accepted"
    assert upload.offset == size
    # Every byte came once, but for at most the piece that was in the air when the line was cut.
    assert upload.bytes_received <= size + 128 * 1024
    expect(phone.locator("#upload-status")).to_contain_text("(1)")

    phone.click("#story-form button[type=submit]")
    give_consent_and_get_receipt(phone)
    shot(phone, "4-receipt")
    recording = Recording.objects.get(source="family")
    assert recording.size_bytes == size
    assert Submission.objects.count() == 1
    assert not DraftUpload.objects.exists()


def test_a_browser_recording_survives_a_failed_send_and_a_reload(phone, family):
    server, world = family
    open_story_step(phone, server, world, "ru")
    recorder = phone.locator("#recorder")
    # The server cannot be reached (uploads only: the page itself still loads after the reload).
    phone.route("**/uploads/**", lambda route: route.abort("internetdisconnected"))

    recorder.locator("button[data-action=start]").click()
    phone.wait_for_selector(".recorder__state[data-recording]")
    phone.wait_for_timeout(2500)
    recorder.locator("button[data-action=stop]").click()
    first = phone.locator("#upload-list .upload").first
    expect(first).to_have_attribute("data-state", "retrying", timeout=15000)
    expect(first.locator("[data-do=send]")).to_be_visible()
    # A second recording, and the tab is reloaded while it is still recording (a call, a low battery).
    recorder.locator("button[data-action=start]").click()
    phone.wait_for_selector(".recorder__state[data-recording]")
    phone.wait_for_timeout(2500)
    phone.reload()

    items = phone.locator("#upload-list .upload")
    expect(items).to_have_count(2)
    for index in range(2):
        expect(items.nth(index)).to_have_attribute("data-state", "local")
        expect(items.nth(index).locator(".upload__state")).to_have_text(words(phone)["local"])
    assert fits_the_screen(phone)
    shot(phone, "5-kept-on-the-phone-ru")
    # "Continue" with recordings still only on the phone: the page holds them back.
    phone.click("#story-form button[type=submit]")
    assert phone.url.endswith("/story/")

    phone.unroute("**/uploads/**")
    for index in range(2):
        items.nth(index).locator("[data-do=send]").click()
    for index in range(2):
        expect(items.nth(index)).to_have_attribute("data-state", "sent", timeout=30000)
    expect(phone.locator("#upload-status")).to_contain_text("(2)")
    shot(phone, "6-sent-ru")
    # Sent: nothing of them stays on the phone.
    phone.reload()
    expect(phone.locator("#upload-list .upload")).to_have_count(0)
    phone.check("input[name=language][value=ru]")
    phone.click("#story-form button[type=submit]")
    give_consent_and_get_receipt(phone)
    recordings = Recording.objects.filter(source="family")
    assert recordings.count() == 2
    assert all(r.original_format in ("webm", "ogg", "mka", "m4a") for r in recordings)
    assert all(r.duration_seconds >= 1.5 for r in recordings)


def test_without_javascript_the_plain_form_still_sends_the_file(browser, family, tmp_path):
    server, world = family
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    try:
        open_story_step(page, server, world, "en")
        assert page.locator("#recorder").is_hidden()
        audio = tmp_path / "story.wav"
        audio.write_bytes(tone_wav(2.0))
        page.set_input_files("input[name=audio]", str(audio))
        page.click("#story-form button[type=submit]")
        give_consent_and_get_receipt(page)
        assert Recording.objects.filter(source="family").count() == 1
    finally:
        context.close()


SEED_ITEMS = """async () => {
  const store = await window.SBGLocalStore;
  const day = 24 * 3600 * 1000;
  await store.put({ id: "stale", scope: "s", name: "old.webm", savedAt: Date.now() - 40 * day });
  await store.addChunk("stale", 0, new Blob(["voice"]));
  await store.put({ id: "fresh", scope: "s", name: "new.webm", savedAt: Date.now() - 2 * day });
  return (await store.list("s")).map((item) => item.id).sort();
}"""


def test_recordings_never_sent_leave_the_phone_once_the_link_could_no_longer_send_them(phone, live_server):
    """A shared phone keeps a child's voice only while the invitation could still send it: any family page (here the
    withdrawal page, which a family may open long after) clears what is older than the invitation's lifetime."""
    phone.goto(f"{live_server.url}/ru/withdraw/")
    assert phone.evaluate(SEED_ITEMS) == ["fresh", "stale"]
    phone.reload()
    kept = phone.evaluate("async () => (await (await window.SBGLocalStore).list('s')).map((item) => item.id)")
    assert kept == ["fresh"]
