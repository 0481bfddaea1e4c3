from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitationConfig(AppConfig):
    name = "facilitation"
    verbose_name = _("Facilitation")

    def ready(self) -> None:
        # reconcile connects itself to consent records; notifications e-mails staff.
        from . import notifications, reconcile  # noqa: F401, PLC0415  (connect receivers once apps are loaded)

        notifications.connect()  # e-mails to staff after submissions and withdrawals
