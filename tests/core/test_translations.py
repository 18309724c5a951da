"""Every user-facing string has a zh-hans translation, and the compiled catalogue is current."""

import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def _po_entries() -> list[tuple[str, str, bool]]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if not msgid or not msgstr:
            continue
        joined = ["".join(re.findall(r'"(.*)"', m.group(1))) for m in (msgid, msgstr)]
        if joined[0]:
            entries.append((joined[0], joined[1], "#, fuzzy" in block))
    return entries


def test_every_string_is_translated():
    entries = _po_entries()
    assert len(entries) > 150
    missing = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert missing == []


def test_compiled_catalogue_matches_the_po_file():
    with open(LOCALE / "django.mo", "rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog
    compiled = {key if isinstance(key, str) else key[0] for key in catalogue}
    expected = {
        msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        for msgid, _, _ in _po_entries()
    }
    assert expected - compiled == set(), "run `make messages` to compile the translations"
