from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Sector
from agreements.models import AgreementKind, FocusArea, SigningOrder
from agreements.services import CONSENT_TEXT, MAX_REASON
from core.forms import DateField

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BODY_HELP = _(
    "Headings, paragraphs, lists, bold and tables. Placeholders: {{ parties }}, "
    "{{ effective_date }}, {{ end_date }}, {{ term }}, {{ focus_areas }}, {{ title }}."
)


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of agreement"), choices=AgreementKind.choices)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 18, "class": "mono"}),
        help_text=BODY_HELP,
        max_length=100_000,
    )


class AgreementForm(forms.Form):
    template_version = forms.TypedChoiceField(
        label=_("Template"), coerce=int, required=False, empty_value=None
    )
    title_en = forms.CharField(label=_("Title in English"), max_length=200)
    title_zh = forms.CharField(label=_("Title in Chinese"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind of agreement"), choices=AgreementKind.choices)
    focus_areas = forms.MultipleChoiceField(
        label=_("Focus areas"),
        choices=FocusArea.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separated by commas."), max_length=400
    )
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", "—"), *Sector.choices], required=False
    )
    effective_date = DateField(label=_("Effective date"), widget=DATE_WIDGET)
    end_date = DateField(label=_("End date"), widget=DATE_WIDGET, required=False)
    term_months = forms.IntegerField(
        label=_("Or a term in months"), required=False, min_value=1, max_value=600
    )
    parties = forms.TypedMultipleChoiceField(
        label=_("Parties"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each party signs through its authorised signatory."),
    )
    signing_order = forms.ChoiceField(
        label=_("Signing order"), choices=SigningOrder.choices, initial=SigningOrder.PARALLEL
    )
    reminder_days = forms.IntegerField(
        label=_("Remind signatories after (days)"), min_value=1, max_value=60, initial=3
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

    def __init__(self, *args, templates=(), parties=(), events=(), own_party=None, **kwargs):
        """`own_party`: the drafting organisation when it must be a party (it is not a
        chamber); it is then left out of the picker and always added."""
        super().__init__(*args, **kwargs)
        self.own_party = own_party
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

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data["tags"]
        return [tag.strip() for tag in raw.replace("，", ",").split(",") if tag.strip()]


class AgreementEditForm(forms.Form):
    """A draft can change in every respect; once sent, only its text and reminders."""

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
    signing_order = forms.ChoiceField(label=_("Signing order"), choices=SigningOrder.choices)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 18}), max_length=100_000
    )
    reminder_days = forms.IntegerField(
        label=_("Remind signatories after (days)"), min_value=1, max_value=60
    )

    SENT_FIELDS = ("body", "reminder_days")

    def __init__(self, *args, draft: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not draft:
            for name in list(self.fields):
                if name not in self.SENT_FIELDS:
                    del self.fields[name]

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data["tags"]
        return [tag.strip() for tag in raw.replace("，", ",").split(",") if tag.strip()]


class ReasonForm(forms.Form):
    """Why a party declines, or the drafter withdraws or terminates; the service decides
    whether one is needed. NUL characters and overlong text stop here."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=MAX_REASON)


class SignForm(forms.Form):
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)
    typed_name = forms.CharField(label=_("Type your full name"), max_length=500, required=False)
    drawn_signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500_000)
    version = forms.IntegerField(widget=forms.HiddenInput)


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("The agreement's PDF"))


class SealForm(forms.Form):
    seal = forms.ImageField(label=_("Electronic seal (公章)"))


class BulkForm(forms.Form):
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
