"""Text stored in both languages, shown in the reader's."""

from django.utils.translation import get_language


def reading_chinese() -> bool:
    return (get_language() or "").startswith("zh")


def in_reader_language(en: str, zh: str) -> str:
    """The reader's language, falling back to the other one when that is empty."""
    if reading_chinese():
        return zh or en
    return en or zh
