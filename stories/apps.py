from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = _("Stories")

    def ready(self) -> None:
        from . import admin_language, family_data, signals  # noqa: F401

        admin_language.install()  # Wagtail's frozen or content-language admin texts follow the reader's language
