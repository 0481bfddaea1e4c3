"""Forms of the families' submission flow. Plain words, nothing pre-ticked, errors that say what to do."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..formats import compact_code, grouped_code, participant_code
from ..models import LANGUAGE_CHOICES, Participant, Scope

NEW_PERSON_ROLES = [
    ("elder", _("Grandparent or other elder")),
    ("child", _("Child")),
    ("guardian", _("Parent or guardian")),
]


class NewPersonForm(forms.Form):
    """Someone in the story not yet registered: a role, and optionally a first name and an age."""

    role = forms.ChoiceField(choices=[("", "—")] + NEW_PERSON_ROLES, required=False, label=_("Role"))
    name = forms.CharField(required=False, max_length=60, label=_("First name (optional)"))
    age = forms.ChoiceField(choices=[("", "—")] + Participant.AgeBand.choices, required=False, label=_("Age"))

    def add_prefix(self, field_name: str) -> str:
        return f"{self.prefix}_{field_name}" if self.prefix else field_name  # new_1_role, as the page always posted

    def clean(self):
        data = super().clean()
        if (data.get("name") or data.get("age")) and not data.get("role"):
            self.add_error("role", _("Choose who this person is."))
        return data


class BaseNewPeopleFormSet(forms.BaseFormSet):
    """A fixed number of rows (`extra`): the page decides how many, so the browser posts no management form."""

    def add_prefix(self, index) -> str:
        return f"{self.prefix}_{index + 1}" if isinstance(index, int) else f"{self.prefix}_{index}"

    @property
    def management_form(self) -> forms.formsets.ManagementForm:
        counts = {
            forms.formsets.TOTAL_FORM_COUNT: self.extra,
            forms.formsets.INITIAL_FORM_COUNT: 0,
            forms.formsets.MIN_NUM_FORM_COUNT: 0,
            forms.formsets.MAX_NUM_FORM_COUNT: self.max_num,
        }
        form = forms.formsets.ManagementForm(
            {f"{self.prefix}-{name}": value for name, value in counts.items()},
            auto_id=self.auto_id,
            prefix=self.prefix,
            renderer=self.renderer,
        )
        form.full_clean()
        return form


NewPeopleFormSet = forms.formset_factory(NewPersonForm, formset=BaseNewPeopleFormSet, extra=2, max_num=2)


class WhoForm(forms.Form):
    """Step 1: who is in the story. Registered people by role and code, or up to two new people (`people`)."""

    existing = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=_("People already registered with the programme")
    )

    def __init__(self, data=None, *args, participants=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        self.fields["existing"].choices = [
            (str(p.pk), f"{p.get_role_display()} · {p.relation or p.code}") for p in participants
        ]
        self.people = NewPeopleFormSet(data, prefix="new")

    def is_valid(self) -> bool:
        people_valid = self.people.is_valid()
        return super().is_valid() and people_valid

    def clean(self):
        data = super().clean()
        if not data.get("existing") and not self.new_people():
            raise forms.ValidationError(_("Choose at least one person who is in the story."))
        return data

    def new_people(self) -> list[dict]:
        """The new people given a role (a row without one is left out, or has its error)."""
        self.people.is_valid()  # cleans the rows, once
        return [
            {"role": person["role"], "name": person.get("name", ""), "age_band": person.get("age", "")}
            for person in (form.cleaned_data for form in self.people.forms)
            if person.get("role")
        ]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); each is checked by the intake afterwards."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class StoryForm(forms.Form):
    """Step 2: the story. Audio arrives through the upload endpoint (or this form without JavaScript)."""

    audio = MultipleFileField(
        required=False,
        label=_("Audio files from your phone"),
        widget=MultipleFileInput(attrs={"accept": "audio/*,video/webm,video/3gpp,.m4a,.aac,.3gp,.amr"}),
    )
    photos = MultipleFileField(
        required=False,
        label=_("Photos (optional)"),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    title = forms.CharField(required=False, max_length=200, label=_("A title for the story (optional)"))
    description = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("A few words about the story (optional)"),
    )
    language = forms.ChoiceField(
        choices=LANGUAGE_CHOICES, label=_("The language of the story"), widget=forms.RadioSelect
    )


CONSENT_WORDS = {
    Scope.RECORD: _("Keep the recording of our voices"),
    Scope.TRANSCRIBE: _("Let the computer write down the words (it stays on the programme's server)"),
    Scope.ARCHIVE: _("Keep the story in the programme's private archive"),
    Scope.PUBLISH_TEXT: _("Publish the words of the story on the website, without names"),
    Scope.PUBLISH_AUDIO: _("Publish the voice recording on the website"),
    Scope.PUBLISH_PHOTOS: _("Publish the photos on the website"),
    Scope.EVALUATION: _("Use it, without names, to see how the programme is going"),
}


class ConsentForm(forms.Form):
    """Step 3, for one person: each use ticked one by one (nothing pre-ticked); a child's own yes or no."""

    def __init__(self, *args, person: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        for scope, words in CONSENT_WORDS.items():
            self.fields[scope.value] = forms.BooleanField(required=False, label=words)
        self.fields["publish_languages"] = forms.MultipleChoiceField(
            choices=settings.LANGUAGES,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=_("Languages the story may be published in"),
        )
        if person["role"] == "child":
            self.fields["guardian_relation"] = forms.CharField(
                max_length=100, label=_("Who is giving consent for the child? (e.g. grandmother)")
            )
            self.fields["child_assent"] = forms.ChoiceField(
                choices=[("yes", _("Yes, I want to share my story")), ("no", _("No, I do not want to"))],
                widget=forms.RadioSelect,
                label=_("Ask the child: do you want to share your story?"),
            )

    def clean(self):
        data = super().clean()
        publishing = data.get(Scope.PUBLISH_TEXT) or data.get(Scope.PUBLISH_AUDIO) or data.get(Scope.PUBLISH_PHOTOS)
        if publishing and not data.get("publish_languages"):
            self.add_error("publish_languages", _("Choose at least one language, or untick publishing."))
        if not data.get(Scope.RECORD):
            self.add_error(Scope.RECORD, _("Without this, we cannot keep your story. Tick it to send the story."))
        return data


class WithdrawalForm(forms.Form):
    reference = forms.CharField(max_length=40, label=_("Reference code (from your receipt)"))
    key = forms.CharField(max_length=40, label=_("Private withdrawal key"))
    everything = forms.ChoiceField(
        choices=[("all", _("Withdraw everything")), ("some", _("Withdraw only what I tick below"))],
        widget=forms.RadioSelect,
        initial="all",
        label=_("What do you want to withdraw?"),
    )
    scopes = forms.MultipleChoiceField(
        choices=[(scope.value, words) for scope, words in CONSENT_WORDS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Uses to withdraw"),
    )
    who = forms.CharField(
        required=False,
        max_length=30,
        label=_("Only for one person: their code from the receipt (leave empty for the whole family)"),
    )

    # Codes are typed from a paper receipt: spaces, dashes, case and a Cyrillic keyboard layout do not matter.
    def clean_reference(self) -> str:
        compact = compact_code(self.cleaned_data["reference"])
        if len(compact) == 8 and not compact.startswith("SBG"):
            compact = "SBG" + compact  # the reference typed without its prefix
        return grouped_code(compact, "SBG")

    def clean_key(self) -> str:
        return compact_code(self.cleaned_data["key"])

    def clean_who(self) -> str:
        return participant_code(self.cleaned_data["who"]) if self.cleaned_data["who"].strip() else ""

    def clean(self):
        data = super().clean()
        if data.get("everything") == "some" and not data.get("scopes"):
            self.add_error("scopes", _("Tick at least one use to withdraw, or choose “Withdraw everything”."))
        return data
