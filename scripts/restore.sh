#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into the database, private storage and media folder the current
# settings name (DATABASE_URL, PRIVATE_STORAGE_ROOT or PRIVATE_S3_BUCKET, MEDIA_ROOT).
#
#   scripts/restore.sh /backups/stories-2026-11-25
#
# Stop the web processes, workers and beat first. The database is replaced (PostgreSQL: pg_restore --clean into the
# existing, possibly empty, database named by DATABASE_URL; SQLite: the file is overwritten with SQLite's backup
# API); private files are checked against the backup's SHA-256 manifest and written through the storage API; media
# are unpacked into MEDIA_ROOT. Then run `manage.py migrate` (a no-op unless the code is newer than the backup) and
# `manage.py reconcile_consent` before starting again, so anything a consent no longer covers is taken down at once.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
SRC="${1:?usage: scripts/restore.sh BACKUP_FOLDER}"
SRC="$(cd "$SRC" && pwd)"

eval "$("$PYTHON" scripts/_database_env.py)"

case "$DB_ENGINE" in
postgresql)
    [ -f "$SRC/database.pgdump" ] || { echo "restore.sh: $SRC/database.pgdump is missing" >&2; exit 1; }
    PGPASSWORD="$DB_PASSWORD" pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error \
        ${DB_HOST:+--host="$DB_HOST"} ${DB_PORT:+--port="$DB_PORT"} ${DB_USER:+--username="$DB_USER"} \
        --dbname="$DB_NAME" "$SRC/database.pgdump"
    ;;
sqlite)
    [ -f "$SRC/database.sqlite3" ] || { echo "restore.sh: $SRC/database.sqlite3 is missing" >&2; exit 1; }
    mkdir -p "$(dirname "$DB_NAME")"
    "$PYTHON" - "$SRC/database.sqlite3" "$DB_NAME" <<'PY'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
target.close()
source.close()
PY
    ;;
*)
    echo "restore.sh: unsupported database engine" >&2
    exit 1
    ;;
esac

"$PYTHON" manage.py sync_private_files --from "$SRC/private"

if [ -f "$SRC/media.tar" ]; then
    mkdir -p "$MEDIA_ROOT"
    tar -C "$MEDIA_ROOT" -xf "$SRC/media.tar"
fi
echo "Restored from $SRC"
