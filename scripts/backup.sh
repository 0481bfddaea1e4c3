#!/usr/bin/env bash
# Back up the platform into one folder: the database, the public media (editorial images) and every private file.
#
#   scripts/backup.sh /backups/stories-$(date +%F)
#
# - PostgreSQL (DATABASE_URL=postgres://...): pg_dump in its custom format (database.pgdump), restorable with
#   pg_restore into any PostgreSQL of the same or a newer major version;
# - SQLite (the embedded default): an online copy with SQLite's backup API (database.sqlite3), consistent while the
#   platform keeps running;
# - private files (recordings, consent evidence, photos, exports): copied through the storage API, from the local
#   folder or the S3 bucket alike, with a MANIFEST.json of sizes and SHA-256 (`manage.py sync_private_files`);
# - public media (MEDIA_ROOT): a tar of the folder.
# The settings are the platform's own (DJANGO_SETTINGS_MODULE, DATABASE_URL, .env). The folder holds children's
# voices and real names: keep it encrypted and in Kazakhstan (docs/deployment.md). Restore with scripts/restore.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
DEST="${1:?usage: scripts/backup.sh DESTINATION_FOLDER}"
umask 077
mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"

eval "$("$PYTHON" scripts/_database_env.py)"

case "$DB_ENGINE" in
postgresql)
    PGPASSWORD="$DB_PASSWORD" pg_dump --format=custom --no-owner --no-privileges \
        ${DB_HOST:+--host="$DB_HOST"} ${DB_PORT:+--port="$DB_PORT"} ${DB_USER:+--username="$DB_USER"} \
        --file="$DEST/database.pgdump" "$DB_NAME"
    ;;
sqlite)
    "$PYTHON" - "$DB_NAME" "$DEST/database.sqlite3" <<'PY'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
target.close()
source.close()
PY
    ;;
*)
    echo "backup.sh: unsupported database engine" >&2
    exit 1
    ;;
esac

"$PYTHON" manage.py sync_private_files --to "$DEST/private"

if [ -d "$MEDIA_ROOT" ]; then
    tar -C "$MEDIA_ROOT" -cf "$DEST/media.tar" .
fi

printf 'engine=%s\ncreated=%s\n' "$DB_ENGINE" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$DEST/BACKUP_INFO"
echo "Backup written to $DEST"
