from csp.middleware import CSPMiddleware
from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django turns a 404 into a redirect to the language-prefixed path whenever that path resolves, and Wagtail's
    catch-all page route always resolves. Private files must answer a plain 404 (never hint that something exists),
    so only public-site paths get the language redirect."""

    NO_LANGUAGE_REDIRECT = ("/private/", "/audio/", "/admin/", "/static/", "/media/", "/i18n/")

    def process_response(self, request, response):
        if request.path_info.startswith(self.NO_LANGUAGE_REDIRECT):
            return response
        return super().process_response(request, response)


class AdminLanguageMiddleware:
    """Wagtail switches to a person's admin language only around its views, so what it says outside them (the
    "no permission" message after a refused screen) came out in the site's default language. Here the admin speaks
    the person's chosen language for the whole request. After AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/admin/") and request.user.is_authenticated:
            profile = getattr(request.user, "wagtail_userprofile", None)
            language = profile.preferred_language if profile else ""
            if language:
                with translation.override(language):
                    request.LANGUAGE_CODE = language
                    return self.get_response(request)
        return self.get_response(request)


class ReadsOutsideTransactionMiddleware:
    """ATOMIC_REQUESTS wraps each view in one transaction, so a request that fails half-way leaves nothing behind.

    For reads (GET, HEAD, OPTIONS) that transaction buys nothing and costs a lot on SQLite: transactions there are
    IMMEDIATE (they take the database's single write lock when they begin, see settings), so every listener of a
    published story would queue behind every other, and a facilitator's withdrawal behind all of them. Reads therefore
    run their view in autocommit: they take no lock, and the few rows they write (audit events, sessions) are short
    transactions of their own. Writes (POST, PUT, PATCH, DELETE) keep the request transaction.

    It must be the last middleware: it calls the view itself, so view middleware listed after it would not run.
    """

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
    # Writes that are independent small rows, around a slow step that must not hold the write lock: signing in
    # hashes the password (about half a second with PBKDF2), then writes the session, last_login and axes' record.
    OUTSIDE_TRANSACTION_VIEWS = frozenset({"wagtailadmin_login"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, view_args, view_kwargs):
        url_name = request.resolver_match.url_name if request.resolver_match else None
        if request.method not in self.SAFE_METHODS and url_name not in self.OUTSIDE_TRANSACTION_VIEWS:
            return None  # Django wraps the view in the request transaction as usual
        return view(request, *view_args, **view_kwargs)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp, with one policy for the public site and the families' pages and a looser one for the admin.

    The public policy is strict: scripts and styles only from our own static files (an inline script would need
    `nonce="{{ request.csp_nonce }}"`). Wagtail's admin still renders inline scripts (inline panels, date
    choosers) and style attributes, so its policy (CONTENT_SECURITY_POLICY_ADMIN) allows inline code there and only
    there. A view that sets its own header (private files: "default-src 'none'; sandbox") keeps it.
    """

    ADMIN_PREFIX = "/admin/"

    def get_policy_parts(self, request, response, report_only: bool = False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and request.path_info.startswith(self.ADMIN_PREFIX):
            parts.config = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]
        return parts
