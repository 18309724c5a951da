"""Paging a list page: `?page=` read through a form, the count and the slice in SQL.

A bad number (letters, "²", 0, -1) shows the first page; one past the end shows the
last, so a stale link never answers 404 or 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PAGE_SIZE = 20


class PageForm(forms.Form):
    """One page number under the name `param` (two lists on one page use two names)."""

    def __init__(self, data: Mapping[str, Any] | None, *, param: str = "page") -> None:
        super().__init__(data)
        self.param = param
        self.fields[param] = forms.IntegerField(required=False, min_value=1)

    def number(self) -> int:
        if self.is_valid() and self.cleaned_data[self.param]:
            return self.cleaned_data[self.param]
        return 1


def paginate(
    queryset: QuerySet,
    data: Mapping[str, Any] | None,
    *,
    per_page: int = PAGE_SIZE,
    param: str = "page",
) -> Page:
    """The page of an ordered queryset that `data[param]` asks for (see the module)."""
    number = PageForm(data, param=param).number()
    return Paginator(queryset, per_page).get_page(number)


def page_query(**params: Any) -> str:
    """The other parameters a pager's links keep (`status=sent&`), from cleaned values;
    empty ones and a first page are left out."""
    kept = {name: value for name, value in params.items() if value not in (None, "", 1)}
    return urlencode(kept) + "&" if kept else ""
