from django import forms
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets.chooser import BaseChooser

from media_tools.audio import AudioRejected
from media_tools.intake import apply_audio_info, check_upload

from . import policy, related_records
from .formats import participant_label
from .models import ConsentRecord, Participant, Scope, Site
from .related_records import RelatedRecordsField


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


# --- Admin write forms of site-scoped records -----------------------------------------------------------------------

NOT_IN_SCOPE = _("Not available: choose from your own sites' records.")


class SiteScopedAdminForm(WagtailAdminModelForm):
    """Base form of every admin write form of a site-scoped record (set as `base_form_class` by the viewsets).

    Every choice list (families, participants, sessions, sites, facilitators and witnesses, inline rows included)
    offers only what `policy.scope` gives the user, so another site's id posted by hand is a form error; and every
    record chosen must belong to the same site as the record being written (`policy.site_mismatches`).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        related_records.bind(self)
        limit_choices(self, self.for_user)
        for formset in self.formsets.values():
            _scope_formset(formset, self.for_user)

    def _save_m2m(self):
        super()._save_m2m()  # ClusterForm's, called once the record is stored (whether or not `save` committed)
        related_records.save(self)

    def target_site(self):
        """The site of the record being written: from the chosen site/family/participant, else the stored one."""
        model = self._meta.model
        if not policy.is_site_scoped(model):
            return None
        lookup = policy.site_lookup_for(model)
        head, _sep, rest = lookup.partition("__")
        if head in self.fields:
            current = self.cleaned_data.get(head)
            for part in rest.split("__") if rest else []:
                current = getattr(current, part, None) if current is not None else None
            return current
        return policy.site_of(self.instance) if self.instance.pk else None

    def clean(self):
        data = super().clean()
        site = self.target_site()
        if site is not None:
            _check_same_site(self, site)
        return data

    def is_valid(self):
        valid = super().is_valid()
        site = self.target_site() if hasattr(self, "cleaned_data") else None
        if site is None:
            return valid
        for formset in self.formsets.values():
            for form in formset.forms:
                if hasattr(form, "cleaned_data") and not form.cleaned_data.get("DELETE"):
                    valid = _check_same_site(form, site) and valid
        return valid


def limit_choices(form: forms.BaseForm, actor) -> None:
    """Narrow every relation field of `form` to what `actor` may choose (see `policy.scoped_choices`)."""
    user_model = get_user_model()
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        model = queryset.model
        if model is user_model:
            field.queryset = queryset.filter(pk__in=policy.assignable_facilitators(actor).values("pk"))
        elif model is Site or policy.is_site_scoped(model):
            if getattr(field, "limit_choices_to", None):
                # "Select a valid choice" says nothing: anyone of the user's sites may be chosen, and the model's
                # clean says clearly why a child cannot be the elder (`sessions._role_mismatch`).
                queryset = model._default_manager.all()
                field.limit_choices_to = None
            field.queryset = queryset.filter(pk__in=policy.scoped_choices(actor, model).values("pk"))
        else:
            continue
        field.error_messages = {
            **field.error_messages,
            "invalid_choice": NOT_IN_SCOPE,
            "invalid_pk_value": NOT_IN_SCOPE,
        }
        _label_choices(field, model)
        _scope_chooser_widget(field)


def _label_choices(field, model) -> None:
    """Choice lists and chooser widgets name people by more than a bare code (`formats.participant_label`)."""
    if model is Participant:
        field.label_from_instance = participant_label
        if hasattr(field.widget, "get_display_title"):
            field.widget.get_display_title = participant_label


def _scope_chooser_widget(field) -> None:
    """A chooser widget shows the chosen record by looking it up itself: a posted id of another site's record would
    be shown back with its code. It looks only among the field's (scoped) choices."""
    widget = field.widget
    if not isinstance(widget, BaseChooser):
        return
    queryset = field.queryset

    def get_instance(value):
        if value is None or value == "":
            return None
        if isinstance(value, queryset.model):
            value = value.pk
        try:
            return queryset.filter(pk=value).first()
        except (TypeError, ValueError):
            return None

    widget.get_instance = get_instance


def _scope_formset(formset, actor) -> None:
    """Inline rows (a session's pairs and ratings) get the same narrowed choices, the empty template row included."""
    add_fields = formset.add_fields

    def scoped_add_fields(form, index):
        add_fields(form, index)
        limit_choices(form, actor)

    formset.add_fields = scoped_add_fields


def _check_same_site(form: forms.BaseForm, site) -> bool:
    """Add an error to each field of `form` holding a record of another site; True when there is none."""
    user_model = get_user_model()
    ok = True
    for name, value in list(form.cleaned_data.items()):
        field = form.fields.get(name)
        queryset = getattr(field, "queryset", None)
        if queryset is None or value in (None, ""):
            continue
        model = queryset.model
        if not (model is user_model or model is Site or policy.is_site_scoped(model)):
            continue
        chosen = list(value) if hasattr(value, "__iter__") else [value]
        reasons = policy.site_mismatches(site, chosen)
        if reasons:
            form.add_error(name, reasons)
            ok = False
    return ok


class StorySessionForm(SiteScopedAdminForm):
    """A session's form: its facilitators are chosen among the facilitators of the session's site (users in the
    Facilitators role assigned to it); pairs and ratings are checked by the rows' models (site and role)."""

    prompts_used = RelatedRecordsField(label=capfirst(_("session guides used")))  # declared by stories

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("facilitators")
        if field is not None and self.instance.pk and self.instance.site_id:
            field.queryset = field.queryset.filter(pk__in=policy.facilitators_of([self.instance.site]).values("pk"))


class SiteForm(WagtailAdminModelForm):
    """A site's form (administrators): its facilitators are chosen among users in the Facilitators role."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "facilitators" in self.fields:
            self.fields["facilitators"].queryset = policy.facilitator_role_users()


class RecordingForm(SiteScopedAdminForm):
    """The admin's recording form: the upload is identified from its content before anything is stored, and nothing
    is stored unless the policy allows storing it (everyone heard consents to recording, all of one site)."""

    def clean(self):
        data = super().clean()
        family = data.get("family")
        speakers = data.get("speakers")
        if family is None or speakers is None or self.errors:
            return data  # the field errors already say what is missing or out of scope
        decision = policy.may(
            self.for_user, policy.Action.STORE_RECORDING, family, speakers=list(speakers), session=data.get("session")
        )
        if not decision:
            raise forms.ValidationError(
                gettext("This recording cannot be stored: %(reasons)s") % {"reasons": " ".join(decision.reasons)},
                code="not_allowed",
            )
        return data

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if isinstance(uploaded, UploadedFile):  # a new upload (not the file already stored)
            try:
                self._audio_info = check_upload(uploaded)
            except AudioRejected as error:
                raise forms.ValidationError(str(error.message), code=error.code) from None
            # Stored under a name that carries nothing of the original, with the extension of the real content.
            uploaded.name = f"upload.{self._audio_info.suggested_extension}"
        elif not uploaded and not (self.instance and self.instance.file):
            raise forms.ValidationError(forms.Field.default_error_messages["required"], code="required")
        return uploaded

    def save(self, commit=True):
        info = getattr(self, "_audio_info", None)
        if info is not None:
            apply_audio_info(self.instance, info)
        return super().save(commit=commit)
