from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Sector
from agreements.models import AgreementKind, FocusArea, SigningOrder
from agreements.services import (
    AGREEMENT_FIELDS,
    CONSENT_TEXT,
    MAX_REASON,
    REVISABLE_FIELDS,
    PartySpec,
)
from core.forms import DateField, ServiceForm

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BODY_HELP = _(
    "Headings, paragraphs, lists, bold and tables. Placeholders: {{ parties }}, "
    "{{ effective_date }}, {{ end_date }}, {{ term }}, {{ focus_areas }}, {{ title }}."
)


class TemplateForm(ServiceForm):
    name = forms.CharField(label=_("Template name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of agreement"), choices=AgreementKind.choices)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 18, "class": "mono"}),
        help_text=BODY_HELP,
        max_length=100_000,
    )


class AgreementFieldsForm(ServiceForm):
    """The terms every agreement form shows, declared once (services.AGREEMENT_FIELDS
    gives the order)."""

    title_en = forms.CharField(label=_("Title in English"), max_length=200)
    title_zh = forms.CharField(label=_("Title in Chinese"), max_length=200, required=False)
    focus_areas = forms.MultipleChoiceField(
        label=_("Focus areas"),
        choices=FocusArea.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separated by commas."), max_length=400
    )
    effective_date = DateField(label=_("Effective date"), widget=DATE_WIDGET)
    end_date = DateField(label=_("End date"), widget=DATE_WIDGET, required=False)
    term_months = forms.IntegerField(
        label=_("Or a term in months"), required=False, min_value=1, max_value=600
    )
    signing_order = forms.ChoiceField(
        label=_("Signing order"), choices=SigningOrder.choices, initial=SigningOrder.PARALLEL
    )
    reminder_days = forms.IntegerField(
        label=_("Remind signatories after (days)"), min_value=1, max_value=60, initial=3
    )

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data["tags"]
        return [tag.strip() for tag in raw.replace("，", ",").split(",") if tag.strip()]


class AgreementForm(AgreementFieldsForm):
    """A new draft: the terms, its parties, a template or a text of its own."""

    template_version = forms.TypedChoiceField(
        label=_("Template"), coerce=int, required=False, empty_value=None
    )
    kind = forms.ChoiceField(label=_("Kind of agreement"), choices=AgreementKind.choices)
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", "—"), *Sector.choices], required=False
    )
    parties = forms.TypedMultipleChoiceField(
        label=_("Parties"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each party signs through its authorised signatory."),
    )
    event = forms.TypedChoiceField(
        label=_("Signed at event"), coerce=int, required=False, empty_value=None
    )
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        help_text=_("Leave empty to use the template's text."),
        max_length=100_000,
    )
    field_order = ("template_version", *AGREEMENT_FIELDS[:9], "parties", *AGREEMENT_FIELDS[9:])

    def __init__(self, *args, templates=(), parties=(), events=(), own_party=None, **kwargs):
        """`own_party`: the drafting organisation when it must be a party (it is not a
        chamber); it is then left out of the picker and always added."""
        super().__init__(*args, **kwargs)
        self.own_party = own_party
        self.events = {event.pk: event for event in events}
        self.fields["template_version"].choices = [("", _("— No template —"))] + [
            (t.current.pk, f"{t.name} (v{t.current.number})") for t in templates if t.current
        ]
        self.fields["parties"].choices = [
            (o.pk, f"{o.display_name} · {o.get_kind_display()}")
            for o in parties
            if own_party is None or o.pk != own_party.pk
        ]
        if own_party is not None:
            self.fields["parties"].label = _("Other parties")
            self.fields["parties"].help_text = _(
                "%(org)s is a party; choose the others. Each party signs through its "
                "authorised signatory."
            ) % {"org": own_party.display_name}
        self.fields["event"].choices = [("", "—")] + [(e.pk, e.title) for e in events]

    def clean_parties(self) -> list[int]:
        chosen = self.cleaned_data["parties"]
        if self.own_party is None:
            return chosen
        return [self.own_party.pk, *(pk for pk in chosen if pk != self.own_party.pk)]

    def clean(self):
        cleaned = super().clean()
        no_template = (
            cleaned.get("template_version") is None and "template_version" not in self.errors
        )
        if no_template and not cleaned.get("body"):
            self.add_error("body", _("Choose a template or write the text."))
        return cleaned

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["parties"] = [PartySpec(organisation_id=pk) for pk in data.pop("parties")]
        data["template_version_id"] = data.pop("template_version")
        data["body"] = data.pop("body") or None
        data["event"] = self.events.get(data.pop("event"))
        return data


class AgreementEditForm(AgreementFieldsForm):
    """A draft can change in every respect; once sent, only its text and reminders."""

    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 18}), max_length=100_000
    )
    field_order = (*AGREEMENT_FIELDS[:10], "body", *REVISABLE_FIELDS)
    SENT_FIELDS = ("body", *REVISABLE_FIELDS)

    def __init__(self, *args, draft: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not draft:
            for name in list(self.fields):
                if name not in self.SENT_FIELDS:
                    del self.fields[name]


class ReasonForm(forms.Form):
    """Why a party declines, or the drafter withdraws or terminates; the service decides
    whether one is needed. NUL characters and overlong text stop here."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=MAX_REASON)


class SignForm(ServiceForm):
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)
    typed_name = forms.CharField(label=_("Type your full name"), max_length=500, required=False)
    drawn_signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500_000)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["version_id"] = data.pop("version")
        return data


class WaitingFilterForm(forms.Form):
    """?waiting=on on the agreements list: only those waiting for the reader's signature."""

    waiting = forms.BooleanField(required=False)

    def chosen(self) -> bool:
        return self.is_valid() and self.cleaned_data["waiting"]


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("The agreement's PDF"))


class SealForm(ServiceForm):
    seal = forms.ImageField(label=_("Electronic seal (公章)"))


class BulkForm(ServiceForm):
    template_version = forms.TypedChoiceField(label=_("Template"), coerce=int)
    universities = forms.TypedMultipleChoiceField(
        label=_("Universities"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    enterprises = forms.TypedMultipleChoiceField(
        label=_("Enterprises"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One agreement for each university and enterprise chosen."),
    )
    effective_date = DateField(label=_("Effective date"), widget=DATE_WIDGET)
    term_months = forms.IntegerField(
        label=_("Term in months"), required=False, min_value=1, max_value=600, initial=36
    )
    focus_areas = forms.MultipleChoiceField(
        label=_("Focus areas"),
        choices=FocusArea.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reminder_days = forms.IntegerField(
        label=_("Remind signatories after (days)"), min_value=1, max_value=60, initial=3
    )

    def __init__(self, *args, templates=(), universities=(), enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template_version"].choices = [
            (t.current.pk, f"{t.name} (v{t.current.number})")
            for t in templates
            if t.current and t.kind in ("university_enterprise", "internship_base")
        ]
        self.fields["universities"].choices = [(o.pk, o.display_name) for o in universities]
        self.fields["enterprises"].choices = [
            (o.pk, f"{o.display_name} · {o.get_sector_display()}") for o in enterprises
        ]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["template_version_id"] = data.pop("template_version")
        data["university_ids"] = data.pop("universities")
        data["enterprise_ids"] = data.pop("enterprises")
        return data
