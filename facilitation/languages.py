"""The programme's languages, named in the reader's language: the choices of every language field and form.

Apart from the models, so that pure helpers (`formats.language_name`) can name a language without importing them.
"""

from django.utils.translation import gettext_lazy as _

LANGUAGE_CHOICES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
