"""Private storage whose files live and die with the database transaction that stored them.

A recording, a consent's evidence or a family's photo is written to storage before its row is inserted. If the
transaction then rolls back (a database error, an exception in a signal, a crash of the request), the row never
existed and the file must not exist either: an unreferenced child's recording is one a withdrawal can never find.

Django has no "on rollback" hook, so each file saved inside a transaction is tied to a callback registered with
`transaction.on_commit`. On commit the callback runs and the file is kept. On a rollback (of the whole transaction or
of the savepoint the file was saved in) Django drops the callback without running it; the callback is then garbage
collected and a `weakref.finalize` attached to it deletes the file. This covers every path at once: ATOMIC_REQUESTS,
nested `atomic()` blocks, Celery tasks and management commands. Files saved outside any transaction are kept as
they are (the row is written right after, in autocommit). Whatever a hard crash still leaves behind (a process killed
between writing the file and committing) is unreferenced and is removed by `sweep_leftovers`.
"""

from __future__ import annotations

import logging
import weakref

from django.core.files.storage import FileSystemStorage
from django.db import DEFAULT_DB_ALIAS, transaction

logger = logging.getLogger(__name__)


def _discard(storage, name: str) -> None:
    """The transaction that stored `name` did not commit: remove the file."""
    try:
        if storage.exists(name):
            storage.delete(name)
            logger.info("Removed %s: its transaction did not commit", name)
    except Exception:  # a finalizer must never raise; the sweep removes what is left
        logger.exception("Could not remove %s after a rollback", name)


class _KeepOnCommit:
    """The on_commit callback of one saved file. Run on commit (file kept); dropped on rollback (file deleted)."""

    __slots__ = ("_finalizer", "__weakref__")

    def __init__(self, storage, name: str):
        self._finalizer = weakref.finalize(self, _discard, storage, name)

    def __call__(self) -> None:
        self._finalizer.detach()


class CommitBoundStorageMixin:
    """Mixin for any Django storage: a file saved inside a transaction exists only if that transaction commits."""

    db_alias = DEFAULT_DB_ALIAS

    def _save(self, name, content):
        name = super()._save(name, content)
        self.bind_to_transaction(name)
        return name

    def bind_to_transaction(self, name: str) -> None:
        """Delete `name` again unless the current transaction (if any) commits."""
        connection = transaction.get_connection(self.db_alias)
        if not connection.in_atomic_block:
            return
        transaction.on_commit(_KeepOnCommit(self, name), using=self.db_alias)


class AtomicFileSystemStorage(CommitBoundStorageMixin, FileSystemStorage):
    """The local private folder (the embedded default)."""
