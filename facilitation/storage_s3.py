"""The production S3-compatible private bucket with the same commit-bound guarantee (needs django-storages + boto3)."""

from storages.backends.s3 import S3Storage

from .storage import CommitBoundStorageMixin


class AtomicS3Storage(CommitBoundStorageMixin, S3Storage):
    """A private S3 bucket: an object stored inside a transaction is deleted again unless it commits."""
