"""Start the whole platform on one machine and keep it running: the processes of the Procfile (gunicorn, a Celery
worker, celery beat) under a small supervisor.

A process that dies (a worker killed by the kernel for memory, a crash) is started again after a pause that grows while
it keeps dying (1 s, 2 s, 4 s ... 60 s), and the site keeps serving meanwhile. SIGINT/SIGTERM stop everything.
Each process runs in its own process group, so its children (gunicorn's and Celery's pool processes) are stopped with
it and none is left behind when its parent is killed.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

PROCFILE = Path(settings.BASE_DIR) / "Procfile"
MAX_BACKOFF = 60.0
# A process that ran this long before dying is restarted at once: its death was not a crash loop.
HEALTHY_AFTER = 30.0


def read_procfile(path: Path = PROCFILE) -> dict[str, str]:
    """`name: command` lines, in order; comments and blank lines skipped."""
    commands: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and ":" in line:
            name, command = line.split(":", 1)
            commands[name.strip()] = command.strip()
    return commands


@dataclass
class Supervised:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    restarts: int = field(default=0)

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env, start_new_session=True)
        self.started_at = time.monotonic()
        self.restart_at = None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal_group(self, signum: int) -> None:
        """Signal the process and everything it started (its process group), if any of it is still there."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)


class Command(BaseCommand):
    help = "Serve the site with gunicorn, run a Celery worker and celery beat, and restart whichever dies."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-worker", action="store_true", help="Serve the site only (no worker, no beat).")

    def handle(self, *args, host, port, no_worker, **options):
        if "sweep_leftovers" in get_commands():
            # What a killed process left behind (temporary upload copies, files without a row) goes first.
            call_command("sweep_leftovers")
        bin_dir = str(Path(sys.executable).parent)
        env = {**os.environ, "HOST": str(host), "PORT": str(port), "PATH": bin_dir + os.pathsep + os.environ["PATH"]}
        # DJANGO_SETTINGS_MODULE comes with os.environ: manage.py chose it (config/entrypoints.py) for every process.
        env["PYTHONUNBUFFERED"] = "1"
        commands = read_procfile()
        if no_worker:
            commands = {"web": commands["web"]}
        self.children = [Supervised(name, shlex.split(command), env) for name, command in commands.items()]
        self.stopping = False
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in self.children:
                child.start()
                self._say(f"{child.name} started (pid {child.process.pid})")
            self.stdout.write(self.style.SUCCESS(f"Serving on http://{host}:{port}/ (admin: /admin/)"), ending="\n")
            self.stdout.flush()
            while not self.stopping:
                self._supervise()
                time.sleep(0.5)
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, signum, frame) -> None:
        self.stopping = True

    def _say(self, text: str) -> None:
        self.stdout.write(f"[run_platform] {text}")
        self.stdout.flush()

    def _supervise(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.alive():
                continue
            if child.restart_at is None:
                code = child.process.returncode
                child.signal_group(signal.SIGKILL)  # its orphans (pool processes) go with it
                ran = now - child.started_at
                child.failures = 0 if ran >= HEALTHY_AFTER else child.failures + 1
                delay = 0.0 if child.failures == 0 else min(2.0 ** (child.failures - 1), MAX_BACKOFF)
                child.restart_at = now + delay
                self._say(f"{child.name} (pid {child.process.pid}) exited with {code}; restarting in {delay:.0f} s")
            elif now >= child.restart_at:
                child.start()
                child.restarts += 1
                self._say(f"{child.name} started (pid {child.process.pid})")

    def _stop_all(self) -> None:
        for child in self.children:
            if child.alive():
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 25
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
            child.signal_group(signal.SIGKILL)
        self._say("stopped")
