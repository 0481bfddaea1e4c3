from django.urls import path

from . import uploads, views
from .status import submission_status

urlpatterns = [
    path("share/", views.start, name="family_start"),
    path("share/receipt/", views.receipt, name="family_receipt"),
    path("share/status/", submission_status, name="family_status"),
    path("share/<str:token>/", views.who, name="family_who"),
    path("share/<str:token>/story/", views.story, name="family_story"),
    path("share/<str:token>/uploads/", uploads.collection, name="family_uploads"),
    path("share/<str:token>/uploads/<uuid:upload_id>/", uploads.resource, name="family_upload_resource"),
    path("share/<str:token>/consent/", views.consent, name="family_consent"),
    path("withdraw/", views.withdraw, name="family_withdraw"),
]
