from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django turns a 404 into a redirect to the language-prefixed path whenever that path resolves, and Wagtail's
    catch-all page route always resolves. Private files must answer a plain 404 (never hint that something exists),
    so only public-site paths get the language redirect."""

    NO_LANGUAGE_REDIRECT = ("/private/", "/audio/", "/admin/", "/static/", "/media/", "/i18n/")

    def process_response(self, request, response):
        if request.path_info.startswith(self.NO_LANGUAGE_REDIRECT):
            return response
        return super().process_response(request, response)
