"""The evaluators' filter form: region, site, whole months and (for the session log) status."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Region, Site, StorySession
from .indicators import Filters, month_start

MONTH_INPUT = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class FilterForm(forms.Form):
    """Region, site, whole months, status. Months, not days: finer periods make differencing attacks easier."""

    region = forms.ModelChoiceField(Region.objects.all(), required=False, label=_("Region"))
    site = forms.ModelChoiceField(Site.objects.select_related("region"), required=False, label=_("Site"))
    start = forms.DateField(required=False, label=_("From (month)"), input_formats=["%Y-%m"], widget=MONTH_INPUT)
    end = forms.DateField(required=False, label=_("To (month)"), input_formats=["%Y-%m"], widget=MONTH_INPUT)
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *StorySession.Status.choices], required=False, label=_("Status")
    )

    def __init__(self, *args, with_status: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_status:
            del self.fields["status"]

    def clean(self):
        data = super().clean()
        site, region = data.get("site"), data.get("region")
        if site and region and site.region_id != region.pk:
            self.add_error("site", _("This site is not in the chosen region."))
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end month is before the start month."))
        return data

    def filters(self, default: Filters) -> Filters:
        """The chosen filters; the defaults where the form is empty or invalid."""
        if not self.is_bound or not self.is_valid():
            return default
        data = self.cleaned_data
        start = data.get("start") or (default.start if not data.get("end") else None)
        end = month_start(data["end"], 1) if data.get("end") else (default.end if not data.get("start") else None)
        return Filters(
            start=start,
            end=end,
            region=data.get("region") or (data["site"].region if data.get("site") else None),
            site=data.get("site"),
            status=data.get("status") or "",
        )
