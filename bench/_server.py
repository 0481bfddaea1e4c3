"""What bench/load.py and bench/pages.py share: a throw-away site, gunicorn on a free loopback port, an HTTP client.

- `ThrowawaySite`: a temporary DATA_DIR (SQLite there by default) or, when DATABASE_URL is set, a PostgreSQL database
  of its own on that server (created here, dropped at the end); migrated and filled like `make setup` does.
- `Gunicorn`: the project's `config/gunicorn.py` when it exists (only the bind address is overridden), otherwise
  sensible flags; its log (with the tracebacks of any 500) goes to a file.
- `Client`: one visitor: a keep-alive `http.client` connection with a cookie jar and the CSRF dance.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEMO_PASSWORD = "bench-demo-password-5309"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class ThrowawaySite:
    """Environment, database and data folder of one benchmark run; `close()` removes them."""

    def __init__(self, name: str, extra_env: dict[str, str] | None = None):
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"sbg-{name}-"))
        self.env = {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATA_DIR": str(self.data_dir),
            "DEBUG": "False",
            "DEMO_PASSWORD": DEMO_PASSWORD,
            "SECRET_KEY": "bench-only-" + uuid.uuid4().hex * 2,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        self.pg_admin_url = None
        url = os.environ.get("DATABASE_URL", "")
        if url:
            parts = urlsplit(url)
            self.db_name = f"sbg_bench_{name}"
            self.pg_admin_url = urlunsplit(parts._replace(path="/postgres"))
            self.env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{self.db_name}"))
            self._pg(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            self._pg(f'CREATE DATABASE "{self.db_name}"')
        else:
            self.env.pop("DATABASE_URL", None)
            os.environ.pop("DATABASE_URL", None)

    @property
    def vendor(self) -> str:
        return "postgresql" if self.pg_admin_url else "sqlite"

    def _pg(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def setup_django(self) -> None:
        """Configure Django in this process on the throw-away site (for building data and counting queries)."""
        os.environ.update(self.env)
        import django

        django.setup()

    def build(self) -> None:
        """What `make setup` does: migrate, translation columns, demo pages, demo accounts, demo programme."""
        import contextlib

        from django.core.management import call_command

        quiet = open(os.devnull, "w")  # noqa: SIM115 - the commands print their own progress
        with contextlib.redirect_stdout(quiet):  # wagtail_modeltranslation's migrate prints its SQL
            call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
            call_command("update_translation_fields", verbosity=0, stdout=quiet)
            call_command("set_translation_url_paths", verbosity=0, stdout=quiet)
            call_command("load_demo_content", stdout=quiet)
            call_command("create_demo_accounts", stdout=quiet)
            call_command("load_demo_programme", stdout=quiet)

    def close(self) -> None:
        from django.db import connections

        connections.close_all()
        if self.pg_admin_url:
            self._pg(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        shutil.rmtree(self.data_dir, ignore_errors=True)


class Gunicorn:
    """gunicorn serving config.wsgi on a free loopback port; stderr/stdout (workers' tracebacks) go to `log_path`."""

    def __init__(self, site: ThrowawaySite, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        config = REPO / "config" / "gunicorn.py"
        cmd = [str(Path(sys.executable).parent / "gunicorn")]
        if config.exists():
            cmd += ["-c", str(config)]
            self.how = f"config/gunicorn.py, --bind {HOST}:{self.port}"
        else:
            workers = min(2 * (os.cpu_count() or 1) + 1, 8)
            cmd += ["--workers", str(workers), "--worker-class", "gthread", "--threads", "4", "--timeout", "60"]
            self.how = f"no config/gunicorn.py: --workers {workers} --worker-class gthread --threads 4"
        cmd += ["--bind", f"{HOST}:{self.port}", "--capture-output", "--error-logfile", "-", "config.wsgi"]
        env = {**os.environ, **site.env}
        self._log = open(log_path, "ab")  # noqa: SIM115 - kept open while the server runs
        self.process = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log_path}")
            try:
                status = Client(self.port).get("/kk/").status
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer in {timeout} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


PROJECT_FRAME = re.compile(
    r'^\s*File "[^"]*/(?:stories|facilitation|media_tools|config|bench)/[^"]*", line \d+, in .*$'
)
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|DoesNotExist|Locked)\b.*")


def server_errors(log_path: Path) -> tuple[int, list[str]]:
    """The 500s Django logged ("Internal Server Error: <path>" and its traceback), grouped by cause.

    Returns the number of them and, per distinct cause (the final exception and the deepest frame of our code), a
    summary: how many, an example path, our frames (file, line) and the exception.
    """
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    records = re.split(r"^(?=Internal Server Error: )", text, flags=re.M)[1:]
    groups: dict[tuple[str, str], dict] = {}
    for record in records:
        lines = record.splitlines()
        path = lines[0].removeprefix("Internal Server Error: ").strip()
        body = []
        for line in lines[1:]:
            if line.startswith("[") and " [INFO] " in line or line.startswith("Internal Server Error"):
                break  # the next gunicorn line or the next record
            body.append(line)
        exceptions = [line for line in body if EXCEPTION_LINE.match(line)]
        frames = [line.strip() for line in body if PROJECT_FRAME.match(line)]
        cause = exceptions[-1] if exceptions else "(no exception line found)"
        key = (cause, frames[-1] if frames else "")
        group = groups.setdefault(key, {"n": 0, "paths": set(), "frames": frames, "exceptions": exceptions})
        group["n"] += 1
        group["paths"].add(re.sub(r"/\d+/", "/<id>/", re.sub(r"/share/[^/]+/", "/share/<token>/", path)))
    summaries = []
    for (cause, _frame), group in sorted(groups.items(), key=lambda item: -item[1]["n"]):
        frames = "\n".join(f"    {frame}" for frame in group["frames"][-6:]) or "    (no frame of the project)"
        chain = " <- ".join(dict.fromkeys(group["exceptions"][:-1]))
        summaries.append(
            f"{group['n']} x {cause}\n  paths: {', '.join(sorted(group['paths']))}\n  our frames:\n{frames}"
            + (f"\n  chained from: {chain}" if chain else "")
        )
    return len(records), summaries


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Client:
    """One visitor: a keep-alive connection (reopened when the server closes it) and its cookies."""

    def __init__(self, port: int, timeout: float = 60):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        headers = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                raw = self.conn.getresponse()
                data = raw.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server closed meanwhile: one retry on a new connection.
                self.close()
                if attempt == 2:
                    raise
                continue
            seconds = time.perf_counter() - t0
            for header in raw.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            if raw.will_close:
                self.close()
            return Response(raw.status, raw.headers, data, seconds)
        raise AssertionError("unreachable")

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, data: dict | list, csrf: str | None = None) -> Response:
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        if csrf:
            fields.append(("csrfmiddlewaretoken", csrf))
        body = urlencode(fields, doseq=True).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_file(self, path: str, field: str, filename: str, content: bytes, content_type: str) -> Response:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        return self.request("POST", path, body, headers)

    @staticmethod
    def csrf_from(response: Response) -> str | None:
        match = CSRF_INPUT.search(response.text())
        return match.group(1) if match else None
