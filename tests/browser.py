"""Debian's Chromium under Playwright, the one way every browser test starts it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from .services import require

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless, no background traffic (the machines reach no network), no first-run screens.
BASE_ARGS = (
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# A fake microphone that needs no permission prompt (the families' recorder).
FAKE_MICROPHONE = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")


@contextmanager
def chromium(*extra_args: str) -> Iterator:
    """A launched browser; the live server's views run in this thread's event loop, hence DJANGO_ALLOW_ASYNC_UNSAFE."""
    require(os.path.exists(CHROMIUM), "Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 (heavy, optional: loaded only by the tests that use it)

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*BASE_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()
