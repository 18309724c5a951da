from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Invitation, Membership, Organisation, OrganisationKind, Role
from core.forms import ServiceFormMixin


class OrganisationCreateForm(ServiceFormMixin, forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["kind", "name_en", "name_zh", "slug", "sector", "city", "website", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == OrganisationKind.ENTERPRISE and not cleaned.get("sector"):
            self.add_error("sector", _("Choose the enterprise's sector."))
        elif cleaned.get("kind") != OrganisationKind.ENTERPRISE:
            cleaned["sector"] = ""
        return cleaned

    def _post_clean(self):
        # The service runs the model validation; sector rules are handled in clean().
        pass


class OrganisationProfileForm(ServiceFormMixin, forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name_en", "name_zh", "sector", "city", "website", "description", "logo"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.kind != OrganisationKind.ENTERPRISE:
            del self.fields["sector"]
        else:
            self.fields["sector"].required = True
        self.fields["logo"].widget = forms.ClearableFileInput(attrs={"accept": "image/*"})

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        fields = dict(self.cleaned_data)
        logo = fields.pop("logo", None)
        if logo is False:
            fields["logo"] = ""  # "clear" ticked
        elif logo:
            fields["logo"] = logo
        return fields


class InvitationForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "role", "is_signatory"]


class MembershipForm(forms.ModelForm):
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["role", "is_signatory"]


class ChamberMemberForm(OrganisationCreateForm):
    """A chamber onboards a member organisation and invites its first admin."""

    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[
            (OrganisationKind.ENTERPRISE, OrganisationKind.ENTERPRISE.label),
            (OrganisationKind.UNIVERSITY, OrganisationKind.UNIVERSITY.label),
        ],
    )
    joined_on = forms.DateField(
        label=_("member since"), widget=forms.DateInput(attrs={"type": "date"})
    )
    contact_email = forms.EmailField(
        label=_("contact's email"),
        help_text=_("We invite this person as the organisation's admin and signatory."),
    )

    class Meta(OrganisationCreateForm.Meta):
        fields = [*OrganisationCreateForm.Meta.fields]


class ApiTokenForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("create", _("Create a new token")), ("revoke", _("Revoke"))], required=False
    )
