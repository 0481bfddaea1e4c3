from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = _("Stories")

    def ready(self) -> None:
        # Receivers and admin patches need the app registry: imported here, once every app is loaded.
        from . import admin_language, excerpts, family_data, signals  # noqa: F401, PLC0415

        admin_language.install()  # Wagtail's frozen or content-language admin texts follow the reader's language
