"""WeasyPrint, locked down: it may read data: URLs and our own static files, nothing else.

Templates link static files with {% static %}; the HTML is rendered with a base URL on a
reserved host (lastmile.invalid), and the fetcher maps that host's /static/ paths to files
found by Django's static finders. file://, http(s) anywhere else, ftp and redirects are
refused, for HTML and CSS alike (@import goes through the same fetcher).
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import CSS, HTML, Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

BASE_URL = "https://lastmile.invalid/"


class BlockedResource(ValueError):
    pass


class StaticOnlyFetcher(URLFetcher):
    def __init__(self) -> None:
        super().__init__(
            timeout=2, allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False
        )

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        if (
            parts.scheme == "https"
            and parts.netloc == "lastmile.invalid"
            and parts.path.startswith(static_prefix)
        ):
            relative = unquote(parts.path[len(static_prefix) :])
            if ".." not in PurePosixPath(relative).parts:
                found = finders.find(relative)
                if found:
                    with open(found, "rb") as handle:
                        body = handle.read()
                    content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body, {"Content-Type": content_type})
        raise BlockedResource(f"Blocked resource: {url}")


def pdf_document(html: str, *, css: str = "") -> Document:
    fetcher = StaticOnlyFetcher()
    stylesheets = [CSS(string=css, url_fetcher=fetcher, base_url=BASE_URL)] if css else []
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(stylesheets=stylesheets)


def pdf_bytes(html: str, *, css: str = "") -> bytes:
    return pdf_document(html, css=css).write_pdf()


def pdf_join(documents: list[Document]) -> bytes:
    """One PDF from several rendered documents (rendered in chunks to report progress)."""
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
