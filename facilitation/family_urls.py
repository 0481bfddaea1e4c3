from django.urls import path

from . import family_views as views

urlpatterns = [
    path("share/", views.start, name="family_start"),
    path("share/receipt/", views.receipt, name="family_receipt"),
    path("share/<str:token>/", views.who, name="family_who"),
    path("share/<str:token>/story/", views.story, name="family_story"),
    path("share/<str:token>/upload/", views.upload, name="family_upload"),
    path("share/<str:token>/consent/", views.consent, name="family_consent"),
    path("withdraw/", views.withdraw, name="family_withdraw"),
]
