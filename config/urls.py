from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("facilitation.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Public editorial media only; private files are never under MEDIA_ROOT.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Every public page lives under /kk/, /ru/ or /en/; "/" redirects by Accept-Language (LocaleMiddleware).
urlpatterns += i18n_patterns(
    path("", include("facilitation.family_urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)
