"""The agreement PDFs: a real CJK font, nothing fetched from outside, the seal, and the
verify command."""

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.factories import sign


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_agreement_pdfs_set_chinese_in_a_real_cjk_font(sent):
    reader = PdfReader(io.BytesIO(sent.current_version.pdf.read()))
    assert any("CJK" in name for name in _fonts(reader)), _fonts(reader)


def test_rendering_reaches_nothing_outside_even_if_a_body_slipped_through(sent, tmp_path):
    """WeasyPrint's fetcher serves only our static files: no file://, no network."""
    from agreements.pdf import version_pdf

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    version = sent.current_version
    version.body = (
        f'<p>x</p><img src="file://{secret}"><link rel="stylesheet" href="file://{secret}">'
        '<img src="http://127.0.0.1:9/tracker.png"><object data="file:///etc/passwd"></object>'
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(version_pdf(version))).pages)
    assert "TOP-SECRET" not in text and "root:" not in text


def test_the_seal_is_placed_on_the_signature_page(sent, university_signer, enterprise_signer):
    from django.core.files.base import ContentFile

    buffer = io.BytesIO()
    Image.new("RGBA", (160, 160), (210, 20, 20, 220)).save(buffer, "PNG")
    university = university_signer.organisation
    university.seal.save("seal.png", ContentFile(buffer.getvalue()))
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    sent.refresh_from_db()
    reader = PdfReader(io.BytesIO(sent.final_pdf.read()))
    images = [image for page in reader.pages for image in page.images]
    assert images, "the seal image is on the signature page"


def test_verify_agreement_command(sent, university_signer, enterprise_signer, tmp_path):
    from django.core.management import CommandError, call_command

    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    sent.refresh_from_db()
    good = tmp_path / "good.pdf"
    good.write_bytes(sent.final_pdf.read())
    out = io.StringIO()
    call_command("verify_agreement", str(good), stdout=out)
    printed = out.getvalue()
    assert sent.title_en in printed and "Platform signature: intact" in printed
    assert "Zeta Group" in printed
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(good.read_bytes() + b"\n% appended")
    with pytest.raises(CommandError, match="Not an executed Lastmile agreement"):
        call_command("verify_agreement", str(bad))


def test_the_pdf_fetcher_is_asked_and_refuses_everything_outside(sent, tmp_path, monkeypatch):
    """Spy on the fetcher: every external reference reaches it and is refused."""
    from agreements.pdf import version_pdf
    from core import pdf as core_pdf

    asked, served = [], []
    original = core_pdf.StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        response = original(self, url, headers)  # raises BlockedResource for outsiders
        served.append(url)
        return response

    monkeypatch.setattr(core_pdf.StaticOnlyFetcher, "fetch", spy)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    version = sent.current_version
    version.body = (
        f'<p>x</p><img src="file://{secret}"><link rel="attachment" href="file://{secret}">'
        '<img src="http://127.0.0.1:9/tracker.png">'
    )
    data = version_pdf(version)
    outside = [u for u in asked if not u.startswith("https://lastmile.invalid/static/")]
    assert any(u.startswith("file://") for u in outside)
    assert any(u.startswith("http://127.0.0.1:9") for u in outside)
    assert not [u for u in served if u in outside]
    reader = PdfReader(io.BytesIO(data))
    assert not reader.attachments
    assert not [image for page in reader.pages for image in page.images]
