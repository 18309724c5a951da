from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind, Sector
from core.forms import DateTimeField, ServiceForm, ServiceFormMixin
from core.validators import date_in_range, timezone_names, validate_date_range
from events.models import AgendaItem, Event, EventPhoto, Registration
from events.services import EVENT_FIELDS

COMMON_TIMEZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
)
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def timezone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Where our users' events happen first; every other zone of this machine's tzdata after."""
    others = sorted(timezone_names())
    return [
        (_("Common"), [(zone, zone) for zone in COMMON_TIMEZONES]),
        (_("All time zones"), [(zone, zone) for zone in others if zone not in COMMON_TIMEZONES]),
    ]


class TimezoneSelect(forms.Select):
    """Some 600 options, written out directly rather than through a template per option
    (which took longer than the rest of the event form together)."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**self.build_attrs(self.attrs, attrs), "name": name}
        selected = value[0] if isinstance(value, list | tuple) and value else value
        groups = format_html_join(
            "",
            '<optgroup label="{}">{}</optgroup>',
            (
                (
                    label,
                    format_html_join(
                        "",
                        '<option value="{}"{}>{}</option>',
                        (
                            (zone, " selected" if zone == selected else "", text)
                            for zone, text in options
                        ),
                    ),
                )
                for label, options in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(attrs), groups)


class EventForm(ServiceFormMixin, forms.ModelForm):
    """Times are entered as wall-clock time in the event's own time zone."""

    timezone = forms.ChoiceField(
        label=_("time zone"),
        choices=timezone_choices,
        initial="Asia/Shanghai",
        widget=TimezoneSelect,
    )

    class Meta:
        model = Event
        fields = EVENT_FIELDS
        widgets = {
            "starts_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
            "registration_deadline": DATETIME_WIDGET,
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "description_zh": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {
            "starts_at": DateTimeField,
            "ends_at": DateTimeField,
            "registration_deadline": DateTimeField,
        }
        help_texts = {
            "starts_at": _("In the event's time zone."),
            "registration_deadline": _("Leave empty to close registration when the event starts."),
        }

    def __init__(self, *args, hosts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = hosts if hosts is not None else Organisation.objects.none()
        self.fields["host"].empty_label = _("— Held at our own premises —")
        # The model field allows 0 (PositiveIntegerField); an event needs at least one
        # place. Replace the form's ">= 0" check rather than adding a second, clashing one.
        capacity = self.fields["capacity"]
        capacity.min_value = 1
        capacity.validators = [
            *(v for v in capacity.validators if not isinstance(v, MinValueValidator)),
            MinValueValidator(1),
        ]
        capacity.widget.attrs["min"] = 1
        if self.instance.pk:
            tz = self.instance.tz
            for name in ("starts_at", "ends_at", "registration_deadline"):
                value = getattr(self.instance, name)
                if value:
                    self.initial[name] = timezone.localtime(value, tz).replace(tzinfo=None)

    def clean(self):
        cleaned = super().clean()
        tz = ZoneInfo(cleaned.get("timezone") or "Asia/Shanghai")
        for name in ("starts_at", "ends_at", "registration_deadline"):
            value: datetime | None = cleaned.get(name)
            if value is not None:
                # The form parsed the input in the site's zone; re-read it in the event's
                # (and check the range again: a late evening in Honolulu is the next day).
                naive = timezone.localtime(value).replace(tzinfo=None)
                cleaned[name] = naive.replace(tzinfo=tz)
                if not date_in_range(cleaned[name]):
                    try:
                        validate_date_range(cleaned.pop(name))
                    except ValidationError as error:
                        self.add_error(name, error)
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned

    def _post_clean(self):
        pass  # the service validates the model


def speakers_to_text(speakers: list[dict[str, str]]) -> str:
    return "\n".join(
        " / ".join(filter(None, (s.get("name"), s.get("title"), s.get("organisation"))))
        for s in speakers
    )


class AgendaItemForm(forms.ModelForm):
    speakers_text = forms.CharField(
        label=_("Speakers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: name / title / organisation"),
    )

    class Meta:
        model = AgendaItem
        fields = ["time", "title_en", "title_zh"]
        widgets = {"time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def clean_speakers_text(self) -> list[dict[str, str]]:
        speakers = []
        for line in self.cleaned_data["speakers_text"].splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("/")]
            if len(parts) > 3 or not parts[0]:
                raise ValidationError(_("Write each speaker as: name / title / organisation"))
            parts += [""] * (3 - len(parts))
            if any(len(part) > 150 for part in parts):
                raise ValidationError(_("Speaker details are limited to 150 characters each."))
            speakers.append(dict(zip(("name", "title", "organisation"), parts, strict=True)))
        return speakers

    def _post_clean(self):
        pass


# absolute_max: a forged TOTAL_FORMS builds (and shows again) at most this many forms,
# not Django's default of max_num + 1000.
AgendaFormSet = forms.formset_factory(
    AgendaItemForm, extra=2, can_delete=True, max_num=60, absolute_max=60, validate_max=True
)


class InviteFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds"))]
        + [(k, label) for k, label in OrganisationKind.choices if k != "chamber"],
    )
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices]
    )
    members_only = forms.BooleanField(label=_("Chamber members only"), required=False)

    def query(self) -> str:
        """The valid filters as a query string ("?kind=..."), to come back to them."""
        data = getattr(self, "cleaned_data", {})
        params = {name: data[name] for name in ("kind", "sector") if data.get(name)}
        if data.get("members_only"):
            params["members_only"] = "on"
        return f"?{urlencode(params)}" if params else ""


class InviteForm(InviteFilterForm):
    """The invite buttons: everyone the filters show, or the ticked organisations."""

    scope = forms.ChoiceField(
        choices=[("selected", _("Invite selected")), ("all", _("Invite all shown"))],
        required=False,
    )
    organisation = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.display_name) for o in organisations]


class RegistrationForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = Registration
        fields = ["full_name", "job_title", "email", "needs"]
        help_texts = {"full_name": _("As it should appear on the badge, e.g. 周晟 Zhou Sheng.")}

    def _post_clean(self):
        pass


class WalkInForm(RegistrationForm):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)

    class Meta(RegistrationForm.Meta):
        fields = ["full_name", "job_title", "email", "organisation"]

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].empty_label = _("— Choose an organisation —")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["organisation_id"] = data.pop("organisation").pk
        return data


class CancelForm(ServiceForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("We email this to everyone registered."),
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("What was discussed, what was agreed, and who follows up."),
    )


class PhotoForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = EventPhoto
        fields = ["image", "caption"]
        widgets = {"image": forms.ClearableFileInput(attrs={"accept": "image/*"})}

    def _post_clean(self):
        pass


class CheckInForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=100)


class CheckInSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, email or organisation"), max_length=100, required=False)

    def query(self) -> str:
        return self.cleaned_data["q"] if self.is_valid() else ""


class FollowUpPartForm(forms.Form):
    """Which of the follow-up page's two forms was sent."""

    form = forms.ChoiceField(choices=[("minutes", "minutes"), ("photo", "photo")], required=False)


class CertificateLookupForm(forms.Form):
    code = forms.CharField(label=_("Certificate code"), max_length=20)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].upper()
