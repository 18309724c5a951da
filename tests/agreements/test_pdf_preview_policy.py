"""The signing page shows the version's PDF in a frame: that response alone may be framed,
and only by our own pages."""


def test_the_pdf_preview_may_be_framed_by_our_own_pages_only(client, sent, university_signer):
    client.force_login(university_signer.user)
    slug = university_signer.organisation.slug
    version = sent.current_version
    response = client.get(f"/o/{slug}/agreements/{sent.pk}/versions/{version.number}.pdf")
    assert response.status_code == 200
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"

    page = client.get(f"/o/{slug}/agreements/{sent.pk}/sign/")
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
