"""Image hygiene for photos families send: verify, refuse decompression bombs, strip EXIF/GPS, re-encode.

Re-encoding from pixels (not copying the file) is what removes every metadata block, including GPS and maker notes.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}


class ImageRejected(Exception):
    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    data: bytes  # JPEG without metadata
    width: int
    height: int


def clean_image(uploaded, *, max_bytes: int, max_pixels: int, max_side: int = 2560) -> CleanImage:
    """Validate an uploaded photo and return a metadata-free JPEG copy (ImageRejected carries a translated message)."""
    size = getattr(uploaded, "size", None)
    if size is not None and size > max_bytes:
        raise ImageRejected(
            "too_large", _("The photo is too large (the limit is %(mb)s MB).") % {"mb": max_bytes // 2**20}
        )
    try:
        uploaded.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(uploaded) as probe:
                fmt = probe.format
                if probe.width * probe.height > max_pixels:
                    raise ImageRejected("bomb", _("The photo has too many pixels. Please send a smaller photo."))
                probe.verify()  # structure check; the image must be reopened afterwards
            uploaded.seek(0)
            with Image.open(uploaded) as image:
                image.load()
                image = ImageOps.exif_transpose(image)  # keep the orientation the phone meant, then drop EXIF
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                image.thumbnail((max_side, max_side))
                out = io.BytesIO()
                image.save(out, "JPEG", quality=85, optimize=True)  # no exif= argument: nothing is carried over
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("bomb", _("The photo has too many pixels. Please send a smaller photo.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRejected(
            "not_image", _("This file is not a photo we can open. Please send a JPEG or PNG photo.")
        ) from None
    if fmt not in ALLOWED_FORMATS:
        raise ImageRejected("not_image", _("This file is not a photo we can open. Please send a JPEG or PNG photo."))
    return CleanImage(out.getvalue(), image.width, image.height)
