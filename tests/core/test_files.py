"""Uploaded images: a pixel bomb is refused on every image field, and what is stored is the
image drawn afresh — upright, without EXIF, GPS or text — and still a valid image."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image, PngImagePlugin

from accounts.models import Organisation
from events.models import EventPhoto
from events.services import event_create
from tests.conftest import tenant_of

LONDON = (51.0, 30.0, 26.0)
# What Pillow reports of an image it wrote itself: how to draw it, nothing about anyone.
DRAWING_ONLY = {"transparency", "icc_profile", "dpi", "progressive", "progression"} | {
    "jfif",
    "jfif_version",
    "jfif_unit",
    "jfif_density",
    "adobe",
    "adobe_transform",
}


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """12,000 x 12,000 pixels in about 17 KB, like the one that took a render to 1.4 GB."""
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, "PNG", optimize=True)
    assert len(buffer.getvalue()) < 40_000
    return buffer.getvalue()


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 15"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = LONDON
    return exif


def _jpeg_with_gps(size=(60, 30), orientation: int = 6) -> bytes:
    """A phone photo: EXIF with the camera and the GPS position, taken sideways
    (orientation 6: turn 90° clockwise to show it)."""
    buffer = io.BytesIO()
    image = Image.new("RGB", size, "white")
    image.paste((200, 0, 0), (0, 0, size[0] // 2, size[1]))  # left half red
    image.save(buffer, "JPEG", exif=_exif(orientation).tobytes(), comment=b"Zhang Wei's phone")
    return buffer.getvalue()


def _png_with_metadata() -> bytes:
    buffer = io.BytesIO()
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Zhang Wei")
    text.add_text("GPS", "31.2304 N, 121.4737 E")
    Image.new("RGBA", (80, 80), (200, 0, 0, 128)).save(
        buffer, "PNG", pnginfo=text, exif=_exif().tobytes()
    )
    return buffer.getvalue()


def _upload(data: bytes, name: str = "image.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def _assert_clean(stored, *, size, image_format):
    with Image.open(stored) as image:
        assert (image.format, image.size) == (image_format, size)
        assert not image.getexif(), dict(image.getexif())
        assert not set(image.info) - DRAWING_ONLY, image.info
        image.load()  # a valid image: decodes to the end


@pytest.fixture
def event(admin):
    start = timezone.now() + timedelta(days=7)
    return event_create(
        tenant=tenant_of(admin),
        title_en="Joint laboratory open day",
        title_zh="联合实验室开放日",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=20,
        venue="Lab 3",
    )


def _post_logo(client, organisation, data, name="logo.png"):
    return client.post(
        f"/o/{organisation.slug}/profile/",
        {
            "name_en": organisation.name_en,
            "name_zh": organisation.name_zh,
            "city": "Hangzhou",
            "sector": organisation.sector,
            "website": "",
            "description": "",
            "logo": _upload(data, name),
        },
    )


def _post_seal(client, organisation, data, name="seal.png"):
    return client.post(
        reverse("agreement_seal", kwargs={"org_slug": organisation.slug}),
        {"seal": _upload(data, name)},
    )


def _post_photo(client, event, data, name="photo.png"):
    return client.post(
        f"/o/{event.organiser.slug}/events/{event.pk}/follow-up/",
        {"form": "photo", "image": _upload(data, name), "caption": "Signing"},
    )


@pytest.mark.parametrize("field,limit", [("logo", "4"), ("seal", "2"), ("photo", "25")], ids=str)
def test_a_pixel_bomb_is_refused_with_a_clear_message(client_for, admin, event, bomb, field, limit):
    client = client_for(admin)
    post = {"logo": _post_logo, "seal": _post_seal, "photo": _post_photo}[field]
    target = event if field == "photo" else admin.organisation

    response = post(client, target, bomb)

    assert response.status_code == 200
    page = response.content.decode()
    assert "12000 × 12000 pixels" in page and f"the limit is {limit} megapixels" in page
    organisation = Organisation.objects.get(pk=admin.organisation.pk)
    assert not organisation.logo and not organisation.seal
    assert not EventPhoto.objects.exists()


def test_a_logo_is_stored_upright_without_its_exif_and_gps(client_for, admin):
    client = client_for(admin)
    assert (
        _post_logo(client, admin.organisation, _jpeg_with_gps(), "Zhang Wei.jpg").status_code == 302
    )

    organisation = Organisation.objects.get(pk=admin.organisation.pk)
    assert organisation.logo.name.endswith(".jpg")
    served = client.get(f"/o/{organisation.slug}/logos/{organisation.slug}/")
    data = b"".join(served.streaming_content)
    assert b"PhoneMaker" not in data and b"Zhang Wei" not in data
    _assert_clean(io.BytesIO(data), size=(30, 60), image_format="JPEG")
    # Turned as the orientation said: the red half, once on the left, is now on top.
    with Image.open(io.BytesIO(data)) as image:
        assert image.getpixel((15, 5))[0] > 150 and image.getpixel((15, 55))[1] > 150


def test_a_seal_keeps_its_transparency_and_loses_its_text_and_exif(client_for, admin):
    client = client_for(admin)
    assert _post_seal(client, admin.organisation, _png_with_metadata()).status_code == 302

    seal = Organisation.objects.get(pk=admin.organisation.pk).seal
    with seal.open("rb") as handle:
        data = handle.read()
    assert b"Zhang Wei" not in data and b"PhoneMaker" not in data and b"121.4737" not in data
    _assert_clean(io.BytesIO(data), size=(80, 80), image_format="PNG")
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "RGBA" and image.getpixel((1, 1)) == (200, 0, 0, 128)


def test_an_event_photo_served_to_partners_has_no_gps(client_for, admin, event):
    client = client_for(admin)
    assert (
        _post_photo(client, event, _jpeg_with_gps((3000, 2000), 1), "IMG_0001.JPG").status_code
        == 302
    )

    photo = EventPhoto.objects.get()
    served = client.get(f"/o/{event.organiser.slug}/events/{event.pk}/photos/{photo.pk}/")
    data = b"".join(served.streaming_content)
    assert b"PhoneMaker" not in data
    _assert_clean(io.BytesIO(data), size=(3000, 2000), image_format="JPEG")


def test_an_image_at_the_limit_is_accepted(client_for, admin, settings):
    settings.SEAL_MAX_PIXELS = 100 * 100
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100), "red").save(buffer, "PNG")
    client = client_for(admin)
    assert _post_seal(client, admin.organisation, buffer.getvalue()).status_code == 302
    buffer = io.BytesIO()
    Image.new("RGB", (100, 101), "red").save(buffer, "PNG")
    response = _post_seal(client, admin.organisation, buffer.getvalue())
    assert "the limit is 0.01 megapixels" in response.content.decode()
