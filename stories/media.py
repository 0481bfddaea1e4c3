"""Editorial media (Wagtail images and their renditions under MEDIA_URL), served only when the policy says the image
may be seen: a live page shows it with consent, or the requester works with images in the admin.

Wagtail stores images as public files; serving them through this view (and, in production, nginx's internal location
through X-Accel-Redirect) keeps an image uploaded for a draft, or left by a story whose consent lapsed, out of reach
of anyone who has its URL. Other files under MEDIA_ROOT (documents, avatars) are never served from here: documents go
through Wagtail's own serve view and its hooks."""

from __future__ import annotations

import mimetypes
import posixpath

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex

from facilitation.policy import Action, may

ORIGINALS = "original_images/"
RENDITIONS = "images/"


def image_for_path(name: str):
    """The Wagtail image whose original or rendition file is `name`, or None."""
    Image = get_image_model()
    if name.startswith(ORIGINALS):
        return Image.objects.filter(file=name).first()
    if name.startswith(RENDITIONS):
        rendition = Image.get_rendition_model().objects.filter(file=name).select_related("image").first()
        return rendition.image if rendition else None
    return None


def pages_showing(item) -> list[Page]:
    """Live pages whose content refers to the image or document (the reference index holds pages' live content)."""
    page_type = ReferenceIndex._get_base_content_type(Page)
    references = ReferenceIndex.get_references_to(item).filter(base_content_type=page_type)
    ids = references.values_list("object_id", flat=True)
    return list(Page.objects.live().filter(pk__in=[int(pk) for pk in ids]).specific())


def editorial_media(request: HttpRequest, path: str) -> HttpResponse:
    name = posixpath.normpath(path).lstrip("/")
    if name != path or name.startswith("..") or not (name.startswith(ORIGINALS) or name.startswith(RENDITIONS)):
        raise Http404
    image = image_for_path(name)
    if image is None or not may(request.user, Action.VIEW_EDITORIAL_MEDIA, image, shown_by=pages_showing(image)):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    prefix = getattr(settings, "MEDIA_X_ACCEL_PREFIX", "")
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + name
    else:
        try:
            response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
        except FileNotFoundError as missing:
            raise Http404 from missing
    response["X-Content-Type-Options"] = "nosniff"
    # Revalidated on every view: a browser or proxy must not keep showing an image after its consent ends.
    response["Cache-Control"] = "private, no-cache"
    return response
