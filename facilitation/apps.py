from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitationConfig(AppConfig):
    name = "facilitation"
    verbose_name = _("Facilitation")

    def ready(self) -> None:
        from . import reconcile  # noqa: F401  (connects the reconciliation to consent records and speakers)
