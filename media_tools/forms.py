from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from facilitation import policy
from facilitation.forms import SiteScopedAdminForm

from .audio import AudioRejected
from .intake import apply_audio_info, check_upload


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
                _("This recording cannot be stored: %(reasons)s") % {"reasons": " ".join(decision.reasons)},
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
