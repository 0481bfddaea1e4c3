from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaToolsConfig(AppConfig):
    name = "media_tools"
    verbose_name = _("Media tools")

    def ready(self) -> None:
        from . import signals  # noqa: F401
