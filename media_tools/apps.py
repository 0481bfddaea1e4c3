from contextlib import suppress

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .tempfiles import temp_root


class MediaToolsConfig(AppConfig):
    name = "media_tools"
    verbose_name = _("Media tools")

    def ready(self) -> None:
        # family_data: subject access and retention; signals: recording_added and consent_changed.
        from . import family_data, signals  # noqa: F401, PLC0415  (connect receivers once apps are loaded)

        # Django streams large uploads into FILE_UPLOAD_TEMP_DIR, which must exist before the first request.
        with suppress(OSError):
            temp_root()
