"""Shared DRF pieces: pagination, one shape for every error body, RFC 3339 datetimes."""

from datetime import UTC, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.validators import date_range_message, validate_date_range


class DateTimeField(serializers.DateTimeField):
    """DRF's, without its two gaps: a naive time near year 1 or 9999 overflowed on the
    way in (a 500), and a historic zone offset such as +08:05:43 went out as it is, which
    RFC 3339 (the schema's date-time) cannot write; such a time is written in UTC.
    What comes in lies in core.validators' range."""

    default_validators = [validate_date_range]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_messages["overflow"] = date_range_message()  # what the validator says

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("overflow")

    def to_representation(self, value):
        if not value:
            return None
        local = self.enforce_timezone(value)
        if local.utcoffset() % timedelta(minutes=1):
            local = value.astimezone(UTC)
        text = local.isoformat()
        return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


class ModelSerializer(serializers.ModelSerializer):
    """Every model serializer of ours: datetimes through the DateTimeField above."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Every error is {"error": {"code", "message", "fields"?}}."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {
            "code": "invalid",
            "message": "The request contains invalid data.",
            "fields": detail,
        }
    else:
        detail = getattr(exc, "detail", "")
        body = {
            "code": getattr(detail, "code", None) or getattr(exc, "default_code", "error"),
            "message": str(detail),
        }
    response.data = {"error": body}
    return response


def error_response(message: str, code: str, http_status: int = status.HTTP_400_BAD_REQUEST):
    return Response({"error": {"code": code, "message": message}}, status=http_status)
