from django import forms
from django.utils.translation import gettext_lazy as _


class NetworkSearchForm(forms.Form):
    """?q= on the chamber's network list: part of an English or Chinese name."""

    q = forms.CharField(label=_("Name in English or Chinese"), required=False, max_length=100)

    def chosen(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""
