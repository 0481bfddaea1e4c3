"""Human formats in templates: `{% load human %}` then `{{ job.progress|percent }}`, `{{ seconds|duration }}`,
`{{ flag|yes_no }}`, `{{ job.engine|engine_name }}`, `{{ code|language_name }}`, `{{ when|datetime_short }}`."""

from django import template

from .. import formats

register = template.Library()

for _name in ("yes_no", "duration", "percent", "engine_name", "language_name", "datetime_short"):
    register.filter(_name, getattr(formats, _name))
