from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from core.validators import validate_date_range


class DateField(forms.DateField):
    """A date within core.validators' range (2000-01-01 to 2100-12-31)."""

    default_validators = [validate_date_range]


class DateTimeField(forms.DateTimeField):
    """A date and time within core.validators' range."""

    default_validators = [validate_date_range]


class ChoiceFilterForm(forms.Form):
    """?status= on a list page: one of the given choices, or nothing for all of them."""

    status = forms.ChoiceField(required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", ""), *choices]

    def chosen(self) -> str:
        return self.cleaned_data["status"] if self.is_valid() else ""


def apply_validation_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError onto the form, field by field where it can."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = field if field in form.fields else None
            if field == NON_FIELD_ERRORS:
                target = None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class ServiceFormMixin:
    """A form whose cleaned data one service takes (keyword arguments).

    `submit(service, **context)` calls the service with the context (tenant, ids) and
    `service_data()`; a ValidationError it raises lands on the form, field by field, and
    submit returns False, so a view reads:

        if not form.submit(services.event_create, tenant=self.tenant):
            return self.form_invalid(form)
        event = form.result
    """

    result: Any = None

    def service_data(self) -> dict[str, Any]:
        """What the service receives: the cleaned data, reshaped where a form must."""
        return dict(self.cleaned_data)

    def submit(self, service: Callable[..., Any], /, **context: Any) -> bool:
        try:
            self.result = service(**context, **self.service_data())
        except ValidationError as error:
            apply_validation_error(self, error)
            return False
        return True


class ServiceForm(ServiceFormMixin, forms.Form):
    """A plain form handing its data to a service (see ServiceFormMixin)."""
