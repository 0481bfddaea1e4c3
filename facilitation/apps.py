from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitationConfig(AppConfig):
    name = "facilitation"
    verbose_name = _("Facilitation")

    def ready(self) -> None:
        from . import notifications, reconcile  # noqa: F401  (reconcile connects itself to consent records)

        notifications.connect()  # e-mails to staff after submissions and withdrawals
