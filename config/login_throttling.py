"""Login throttling (django-axes): what a person sees when too many wrong passwords locked the sign-in.

After AXES_FAILURE_LIMIT wrong passwords for one username from one address, even the right password is refused until
the cool-off has passed. The refusal is the admin's own sign-in page in the person's language, with a message that
says what happened and how long to wait (429), not axes' bare English page.
"""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.admin.views.account import LoginView


def lockout_message(minutes: int) -> str:
    return ngettext(
        "Too many failed sign-in attempts. Sign-in is blocked for %(minutes)d minute; try again later, or ask an "
        "administrator to unlock your account.",
        "Too many failed sign-in attempts. Sign-in is blocked for %(minutes)d minutes; try again later, or ask an "
        "administrator to unlock your account.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The admin sign-in page again (the username kept, the password not), with the lockout explained."""
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0
    view = LoginView()
    view.setup(request)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = view.get_form_class()(request, data={"username": username})
    # Not validated (that would try the password again): only our message, as a form-wide error.
    form._errors = ErrorDict()
    form.cleaned_data = {}
    form.add_error(None, lockout_message(minutes) if minutes else _("Too many failed sign-in attempts."))
    response = TemplateResponse(request, view.template_name, view.get_context_data(form=form), status=429)
    return response.render()  # axes hands it back after the view, past the point where Django renders
