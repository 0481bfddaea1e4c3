"""The S3-compatible private bucket (AWS S3, SeaweedFS, MinIO), with the same commit-bound guarantee as the folder.

Private means three things here, whatever the bucket's own settings:
- objects are written with a private ACL and never overwritten by a second file of the same name;
- `url()` never hands out a link: a presigned URL in a page (Django's file widget prints one) would let anyone who
  holds it fetch a child's recording for an hour, past the policy and the audit log. Files are served by
  `facilitation.serving` after the policy said yes; `presigned_url()` exists for a caller that asked the policy first;
- reads stream from the bucket (`iter_range`, `download_to`): django-storages' `S3File` would first load the whole
  object into memory, which for a 90-minute recording served with Range to several listeners is not an option.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from botocore.exceptions import ClientError
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from .storage import CommitBoundStorageMixin

CHUNK = 64 * 1024


def _missing(error: ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 404 or code in ("404", "NoSuchKey", "NotFound")


class AtomicS3Storage(CommitBoundStorageMixin, S3Storage):
    """A private S3 bucket: an object stored inside a transaction is deleted again unless it commits."""

    def __init__(self, **options):
        super().__init__(**options)
        # Fixed, whatever the options say: a public ACL, an overwrite or gzip would break what the platform relies on.
        self.default_acl = "private"
        self.querystring_auth = True
        self.file_overwrite = False
        self.gzip = False
        # A file opened the ordinary way (`storage.open`) is downloaded whole by django-storages: past 8 MiB into an
        # anonymous temporary file under FILE_UPLOAD_TEMP_DIR (gone when closed, even after a crash), not memory.
        self.max_memory_size = self.max_memory_size or 8 * 1024 * 1024

    def url(self, name, parameters=None, expire=None, http_method=None):
        """No link to a private object: Django's file widget then shows none, and no template can leak one."""
        return None

    def presigned_url(self, name: str, *, seconds: int = 60) -> str:
        """A short-lived signed link to one object, for a caller that has asked the policy first."""
        return super().url(name, expire=seconds)

    def _key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))

    def iter_range(self, name: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Bytes `start` .. `start + length - 1` of `name`, streamed from the bucket in 64 KiB pieces.

        The request is made before this returns, so a file deleted meanwhile (a withdrawal) raises FileNotFoundError
        here, where the view can still answer 404, not half-way through a response.
        """
        if length == 0:
            return iter(())
        params = {"Bucket": self.bucket_name, "Key": self._key(name)}
        if start or length is not None:
            params["Range"] = f"bytes={start}-{'' if length is None else start + length - 1}"
        try:
            body = self.connection.meta.client.get_object(**params)["Body"]
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(f"File does not exist: {name}") from error
            raise

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(CHUNK)
            finally:
                body.close()

        return chunks()

    def download_to(self, name: str, target: BinaryIO) -> None:
        """Copy `name` into an open local file (multi-part, streamed; never the whole object in memory)."""
        try:
            self.connection.meta.client.download_fileobj(
                self.bucket_name, self._key(name), target, Config=self.transfer_config
            )
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(f"File does not exist: {name}") from error
            raise
