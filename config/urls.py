from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from stories.media import editorial_media

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    # Documents are sent by Wagtail's serve view after the `before_serve_document` hook asks the policy.
    path("documents/", include(wagtaildocs_urls)),
    path("", include("facilitation.urls")),
    path("", include("stories.urls")),
]

# Editorial images under MEDIA_URL, only when a live page shows them with consent (stories/media.py); private files
# are never under MEDIA_ROOT. In production nginx sends the bytes after the check (MEDIA_X_ACCEL_PREFIX).
urlpatterns += [re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.+)$", editorial_media, name="editorial_media")]

# Every public page lives under /kk/, /ru/ or /en/; "/" redirects by Accept-Language (LocaleMiddleware).
urlpatterns += i18n_patterns(
    path("", include("facilitation.families.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)
