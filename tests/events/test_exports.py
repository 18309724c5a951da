import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from events.models import BadgeExport
from events.pdf import certificate_pdf
from events.services import (
    attendees_csv,
    badge_export_request,
    registration_check_in,
    registration_create,
)
from tests.conftest import tenant_of


def _register(rep, event, name="周晟 Zhou Sheng", email="zs@example.com", **extra):
    return registration_create(
        tenant=tenant_of(rep), event_id=event.pk, full_name=name, email=email, **extra
    )


def test_csv_has_a_byte_order_mark_and_chinese_names(published_event, rep):
    _register(rep, published_event, needs='=HYPERLINK("http://evil")')
    data = attendees_csv(published_event, published_event.registrations.all())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][0] == "周晟 Zhou Sheng"
    assert rows[1][3] == "泽塔集团"
    assert rows[1][6].startswith("'=")  # formulas are neutralised


def test_badge_sheet_renders_in_a_task_with_progress(
    published_event, chamber_staff, rep, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    for n in range(10):
        _register(rep, published_event, name=f"参会者{n} Person {n}", email=f"p{n}@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        export = badge_export_request(tenant=tenant_of(chamber_staff), event_id=published_event.pk)
    export = BadgeExport.objects.get(pk=export.pk)
    assert (export.status, export.progress, export.total) == ("done", 100, 10)
    reader = PdfReader(export.file.path)
    assert len(reader.pages) == 2  # eight badges to a page
    text = "".join(page.extract_text() for page in reader.pages)
    assert "参会者0 Person 0" in text
    assert "泽塔集团" in text


def test_certificate_reads_back_in_both_languages(published_event, chamber_staff, rep):
    registration = _register(rep, published_event)
    registration_check_in(
        tenant=tenant_of(chamber_staff), event_id=published_event.pk, code=registration.code
    )
    registration.refresh_from_db()
    page = PdfReader(io.BytesIO(certificate_pdf(registration))).pages[0]
    text = page.extract_text()
    assert "参会证明" in text and "Certificate of Attendance" in text
    assert "周晟 Zhou Sheng" in text
    assert registration.certificate_code in text
    # The Chinese is set in a real CJK font, not a fallback that draws boxes.
    fonts = {str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any("CJK" in name for name in fonts), fonts


def test_pdf_rendering_fetches_nothing_from_outside(db):
    from core.pdf import pdf_bytes

    html = (
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:1/x.png">'
        '<link rel="attachment" href="file:///etc/hostname">'
        "<style>@import url(file:///etc/passwd);</style><p>ok</p>"
    )
    pdf = pdf_bytes(html)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    assert "root:" not in reader.pages[0].extract_text()


def test_photo_upload_rejects_non_images_and_oversize(
    client_for, published_event, chamber_staff, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(chamber_staff)
    url = f"/o/{chamber_staff.organisation.slug}/events/{published_event.pk}/follow-up/"
    fake = SimpleUploadedFile("photo.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(url, {"form": "photo", "image": fake, "caption": "x"})
    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode()
    settings.PHOTO_MAX_BYTES = 10
    buffer = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (50, 50), "red").save(buffer, "PNG")
    big = SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")
    response = client.post(url, {"form": "photo", "image": big})
    assert "the limit is 10" in response.content.decode()
    assert not published_event.photos.exists()
    settings.PHOTO_MAX_BYTES = 8 * 1024 * 1024
    ok = SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")
    assert client.post(url, {"form": "photo", "image": ok, "caption": "Signing"}).status_code == 302
    photo = published_event.photos.get()
    served = client.get(f"{url.replace('follow-up/', '')}photos/{photo.pk}/")
    assert served.status_code == 200
