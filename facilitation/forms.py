from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ConsentRecord, Scope


class WithdrawalForm(forms.Form):
    everything = forms.BooleanField(required=False, label=_("Withdraw all consent"))
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, required=False, widget=forms.CheckboxSelectMultiple, label=_("Or only these uses")
    )
    given_by = forms.ChoiceField(choices=ConsentRecord.GivenBy.choices, label=_("Withdrawn by"))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Note"))

    def clean(self):
        data = super().clean()
        if not data.get("everything") and not data.get("scopes"):
            raise forms.ValidationError(_("Choose what is withdrawn: everything, or at least one use."))
        return data

    def withdrawn(self) -> set[str] | None:
        return None if self.cleaned_data["everything"] else set(self.cleaned_data["scopes"])
