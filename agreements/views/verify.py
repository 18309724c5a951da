"""The public check of an executed agreement's PDF."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.views.generic import FormView

from agreements import selectors
from agreements.forms import (
    VerifyForm,
)
from core.links import client_ip


def _declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django reads no body then either


class VerifyView(FormView):
    """Public: upload a final PDF and learn whether it is an executed Lastmile agreement."""

    template_name = "agreements/verify.html"
    form_class = VerifyForm

    def post(self, request, *args, **kwargs):
        # A public endpoint that hashes uploads: a gentle per-address limit.
        key = f"verify:{client_ip(request)}"
        cache.add(key, 0, timeout=600)
        if cache.incr(key) > settings.VERIFY_RATE_PER_10_MIN:
            context = self.get_context_data(
                upload_error=_("Too many checks from your address. Try again in a few minutes.")
            )
            return self.render_to_response(context, status=429)
        # Refuse an oversized upload before reading it, by its declared length.
        if _declared_length(request) > settings.VERIFY_MAX_BYTES + 64 * 1024:
            context = self.get_context_data(
                upload_error=_("The file is too large to be a Lastmile agreement (at most 20 MB).")
            )
            return self.render_to_response(context, status=413)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        if upload.size > settings.VERIFY_MAX_BYTES:
            form.add_error(
                "file",
                _("The file is too large to be a Lastmile agreement (at most 20 MB)."),
            )
            return self.form_invalid(form)
        head = upload.read(5)
        if head != b"%PDF-":
            form.add_error("file", _("This file is not a PDF."))
            return self.form_invalid(form)
        data = head + upload.read()
        result = selectors.agreement_verify_pdf(data)
        return self.render_to_response(
            self.get_context_data(form=VerifyForm(), result=result, checked=True)
        )
