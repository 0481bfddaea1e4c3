"""Every image editors upload through Wagtail is stored without EXIF, GPS, XMP or maker notes (issue: a phone photo
of a family's home carried its coordinates to /media/original_images/ and every rendition).

Set as WAGTAILIMAGES_IMAGE_FORM_BASE, so the single upload, the multiple upload and "replace file" all pass through
`clean_file`: the picture is decoded completely and re-encoded from its pixels (media_tools.images). A truncated or
corrupt file becomes a form error here instead of a server error when its first rendition is made.
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from media_tools.images import DAMAGED, ImageRejected, strip_image_metadata

PASSED_THROUGH = {".svg"}  # vector images have no EXIF; Pillow cannot read them


class DamageAwareImageField(WagtailImageField):
    """Wagtail's field counts frames and pixels with Pillow, which raises OSError on a truncated file (a 500)."""

    def to_python(self, data):
        try:
            return super().to_python(data)
        except (OSError, SyntaxError, ValueError, EOFError):
            raise forms.ValidationError(str(DAMAGED), code="damaged") from None


class MetadataFreeImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if type(field) is WagtailImageField:
            # Same field, same options (Wagtail builds it in formfield_for_dbfield); only its error handling differs.
            field.__class__ = DamageAwareImageField

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if not isinstance(uploaded, UploadedFile) or Path(uploaded.name).suffix.lower() in PASSED_THROUGH:
            return uploaded  # no new upload (an edit of the title), or a vector image
        max_pixels = getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", None) or 128_000_000
        try:
            clean = strip_image_metadata(uploaded, max_pixels=max_pixels)
        except ImageRejected as error:
            raise forms.ValidationError(str(error.message), code=error.code) from None
        name = f"{Path(uploaded.name).stem}.{clean.extension}"
        return SimpleUploadedFile(name, clean.data, content_type=f"image/{clean.extension.replace('jpg', 'jpeg')}")
