"""Image hygiene for photos families send: verify, refuse decompression bombs, strip EXIF/GPS, re-encode.

Re-encoding from pixels (not copying the file) is what removes every metadata block, including GPS and maker notes.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

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


TOO_MANY_PIXELS_PHOTO = _("The photo has too many pixels. Please send a smaller photo.")
TOO_MANY_PIXELS = _("The image has too many pixels.")


@contextmanager
def _opened_checked(uploaded, max_pixels: int, too_many) -> Iterator[Image.Image]:
    """The upload opened for decoding, after a structure check that refuses decompression bombs (as errors, not
    warnings). Shared by the families' photos and the editors' images."""
    uploaded.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(uploaded) as probe:
            if probe.width * probe.height > max_pixels:
                raise ImageRejected("bomb", too_many)
            probe.verify()  # structure check; the image must be reopened afterwards
        uploaded.seek(0)
        with Image.open(uploaded) as image:
            yield image


def clean_image(uploaded, *, max_bytes: int, max_pixels: int, max_side: int = 2560) -> CleanImage:
    """Validate an uploaded photo and return a metadata-free JPEG copy (ImageRejected carries a translated message)."""
    size = getattr(uploaded, "size", None)
    if size is not None and size > max_bytes:
        raise ImageRejected(
            "too_large", _("The photo is too large (the limit is %(mb)s MB).") % {"mb": max_bytes // 2**20}
        )
    try:
        with _opened_checked(uploaded, max_pixels, TOO_MANY_PIXELS_PHOTO) as image:
            fmt = image.format
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
        raise ImageRejected("bomb", TOO_MANY_PIXELS_PHOTO) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRejected(
            "not_image", _("This file is not a photo we can open. Please send a JPEG or PNG photo.")
        ) from None
    if fmt not in ALLOWED_FORMATS:
        raise ImageRejected("not_image", _("This file is not a photo we can open. Please send a JPEG or PNG photo."))
    return CleanImage(out.getvalue(), image.width, image.height)


@dataclass(frozen=True)
class StrippedImage:
    data: bytes  # the same picture, re-encoded from its pixels: no EXIF, GPS, XMP, maker notes or text chunks
    format: str  # JPEG, PNG, GIF or WEBP
    extension: str
    width: int
    height: int


# Formats kept as they are (re-encoded); anything else (AVIF, HEIF, ...) becomes PNG with transparency, JPEG without.
_KEPT_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}

DAMAGED = _("The image file is damaged or incomplete. Please upload the original file again.")


def _without_metadata(image: Image.Image) -> Image.Image:
    """A copy carrying only what drawing it needs (transparency, animation timing), no metadata blocks."""
    clean = image.copy()
    keep = {
        k: image.info[k] for k in ("transparency", "duration", "loop", "background", "icc_profile") if k in image.info
    }
    clean.info = keep
    return clean


def strip_image_metadata(uploaded, *, max_pixels: int) -> StrippedImage:
    """Decode an editor's image completely and re-encode it without metadata, keeping its format and transparency.

    Decoding every pixel is also the integrity check: a truncated or corrupt file is refused (ImageRejected with a
    translated message) instead of failing later when a rendition is made.
    """
    try:
        with _opened_checked(uploaded, max_pixels, TOO_MANY_PIXELS) as image:
            fmt = image.format
            if getattr(image, "n_frames", 1) > 1:  # animated GIF or WebP
                frames = []
                for frame in ImageSequence.Iterator(image):
                    frame.load()  # every pixel decoded: raises on truncated data
                    frames.append(_without_metadata(frame))
            else:
                image.load()
                # Turned the way the camera meant, before its EXIF (which said so) is dropped.
                frames = [_without_metadata(ImageOps.exif_transpose(image) or image)]
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("bomb", TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ImageRejected("damaged", DAMAGED) from None

    first = frames[0]
    out_format = fmt if fmt in _KEPT_FORMATS else ("PNG" if first.mode in ("RGBA", "LA", "P", "PA") else "JPEG")
    if out_format == "MPO":
        out_format = "JPEG"
    options: dict = {}
    if out_format == "JPEG":
        if first.mode not in ("RGB", "L", "CMYK"):
            first = first.convert("RGB")
        options = {"quality": 90, "optimize": True}
        frames = [first]
    elif out_format == "PNG":
        options = {"optimize": True}
        if "transparency" in first.info:
            options["transparency"] = first.info["transparency"]
        frames = [first]
    elif out_format == "WEBP":
        options = {"quality": 90}
    if len(frames) > 1:  # animated GIF or WebP: every frame, its timing, nothing else
        options.update(save_all=True, append_images=frames[1:])
        for key in ("duration", "loop"):
            if key in first.info:
                options[key] = first.info[key]
    if first.info.get("icc_profile") and out_format in ("JPEG", "PNG", "WEBP"):
        options["icc_profile"] = first.info["icc_profile"]  # colours, not metadata about anyone
    out = io.BytesIO()
    first.save(out, out_format, **options)
    return StrippedImage(out.getvalue(), out_format, _KEPT_FORMATS.get(out_format, "png"), first.width, first.height)
