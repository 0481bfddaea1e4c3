"""Images editors upload through Wagtail (single and multiple upload) are stored without EXIF, GPS or maker notes,
and a truncated JPEG is a translated form error instead of a server error. Real files made here, real HTTP."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image
from wagtail.images import get_image_model

from ..facilitation.world import build_world

pytestmark = pytest.mark.django_db

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (43.0, 15.0, 30.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (76.0, 54.0, 12.25),
}


def photo_with_gps(fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    """A phone-like photo: GPS position, camera make and model, a maker note, a rotation to honour."""
    image = Image.new(mode, (64, 48), (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30))
    image.putpixel((0, 0), (0, 0, 255, 0) if mode == "RGBA" else (0, 0, 255))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12 of Aigul"
    exif[ExifTags.Base.Orientation] = 6  # rotated 90°: stored 64x48, shown 48x64
    exif[ExifTags.IFD.GPSInfo] = GPS
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.MakerNote] = b"serial 12345 owner Aigul"
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    data = out.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the test file really carries what must go
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def assert_no_metadata(path: Path) -> None:
    raw = path.read_bytes()
    assert b"Exif" not in raw and b"PhoneMaker" not in raw and b"Aigul" not in raw, path
    with Image.open(path) as image:
        assert not image.getexif(), path
        assert "exif" not in image.info and "xmp" not in image.info, path


@pytest.fixture
def editor(client):
    world = build_world()
    client.force_login(world.users["editor"])
    return client


def stored(image) -> Path:
    path = Path(settings.MEDIA_ROOT) / image.file.name
    assert path.parent.name == "original_images"
    return path


def test_single_upload_strips_exif_gps_from_original_and_renditions(editor):
    response = editor.post(
        "/admin/images/add/",
        {"title": "Grandmother's house", "file": _upload("house.jpg", photo_with_gps())},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    image = get_image_model().objects.get(title="Grandmother's house")
    assert_no_metadata(stored(image))
    assert (image.width, image.height) == (48, 64)  # the camera's rotation applied, then dropped
    rendition = image.get_rendition("fill-20x20")
    assert_no_metadata(Path(settings.MEDIA_ROOT) / rendition.file.name)


def test_multiple_upload_strips_exif_gps(editor):
    response = editor.post("/admin/images/multiple/add/", {"files[]": _upload("garden.jpg", photo_with_gps())})
    assert response.status_code == 200 and response.json()["success"], response.content.decode()[:3000]
    image = get_image_model().objects.get(pk=response.json()["image_id"])
    assert_no_metadata(stored(image))
    assert_no_metadata(Path(settings.MEDIA_ROOT) / image.get_rendition("max-30x30").file.name)


def test_png_keeps_its_transparency_and_loses_its_metadata(editor):
    response = editor.post(
        "/admin/images/multiple/add/", {"files[]": _upload("logo.png", photo_with_gps("PNG", "RGBA"))}
    )
    assert response.json()["success"], response.content.decode()[:3000]
    image = get_image_model().objects.get(pk=response.json()["image_id"])
    path = stored(image)
    assert_no_metadata(path)
    with Image.open(path) as png:
        assert png.format == "PNG" and png.mode == "RGBA"
        assert png.getchannel("A").getextrema() == (0, 128)  # the transparent pixel and the half-transparent rest


def _truncated_jpeg() -> bytes:
    image = Image.effect_noise((400, 300), 64).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    data = out.getvalue()
    return data[: len(data) // 2]


def test_truncated_jpeg_is_a_form_error_on_both_upload_screens(editor):
    before = get_image_model().objects.count()
    single = editor.post("/admin/images/add/", {"title": "Broken", "file": _upload("broken.jpg", _truncated_jpeg())})
    assert single.status_code == 200
    assert "damaged or incomplete" in single.content.decode()
    multiple = editor.post("/admin/images/multiple/add/", {"files[]": _upload("broken.jpg", _truncated_jpeg())})
    assert multiple.status_code == 200
    body = multiple.json()
    assert body["success"] is False and "damaged or incomplete" in body["error_message"]
    assert get_image_model().objects.count() == before


def _upload(name: str, data: bytes):
    return SimpleUploadedFile(name, data)
