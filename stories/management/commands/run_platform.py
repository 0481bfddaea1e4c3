"""Start the whole platform on one machine: the web server and a background worker, stopped together."""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the site and run a Celery worker side by side (what `make run` starts)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-worker", action="store_true", help="Serve the site only.")

    def handle(self, *args, host, port, no_worker, **options):
        python = sys.executable
        commands = {"web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"]}
        if not no_worker:
            commands["worker"] = [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(
            self.style.SUCCESS(f"Serving on http://{host}:{port}/ (admin: /admin/); started: {', '.join(processes)}")
        )
        try:
            while all(p.poll() is None for p in processes.values()):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        failed = {n: p.returncode for n, p in processes.items() if p.returncode not in (0, None, -signal.SIGTERM)}
        if failed:
            self.stderr.write(f"Stopped: {failed}")
