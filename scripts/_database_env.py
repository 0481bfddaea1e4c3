"""Print the default database's settings as shell assignments, for scripts/backup.sh and scripts/restore.sh.

Read through Django's own settings (DATABASE_URL, DATA_DIR, .env), so the scripts back up exactly what the platform
uses. Also prints the public media folder.
"""

import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from config.entrypoints import use_settings  # noqa: E402

use_settings()  # the platform's own choice (config/entrypoints.py)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

db = settings.DATABASES["default"]
values = {
    "DB_ENGINE": "sqlite" if db["ENGINE"].endswith("sqlite3") else "postgresql" if "postgresql" in db["ENGINE"] else "",
    "DB_NAME": str(db["NAME"]),
    "DB_HOST": str(db.get("HOST") or ""),
    "DB_PORT": str(db.get("PORT") or ""),
    "DB_USER": str(db.get("USER") or ""),
    "DB_PASSWORD": str(db.get("PASSWORD") or ""),
    "MEDIA_ROOT": str(settings.MEDIA_ROOT),
}
for key, value in values.items():
    print(f"{key}={shlex.quote(value)}")
