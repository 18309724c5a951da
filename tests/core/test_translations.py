"""Every user-facing string has a zh-hans translation, and the compiled catalogue is current."""

import gettext
import re
import shutil
from pathlib import Path

from django.core.management import call_command

from tests.conftest import require

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def _po_entries(path: Path = LOCALE / "django.po") -> list[tuple[str, str, bool]]:
    text = path.read_text(encoding="utf-8")
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


def test_every_marked_string_in_the_code_is_in_the_catalogue(settings, tmp_path, monkeypatch):
    """A string marked for translation but never extracted would show in English only."""
    require(
        shutil.which("xgettext") is not None,
        "gettext's xgettext",
        "install Debian's gettext package (`apt-get install gettext`)",
    )
    # makemessages writes beside the sources it walks: give it a copy, never the real catalogue.
    project = LOCALE.parents[2]
    copy = tmp_path / "project"
    skip = {".venv", ".git", "tests", "locale", "staticfiles", "media", "node_modules"}
    for entry in project.iterdir():
        if entry.is_dir() and entry.name not in skip and not entry.name.startswith("."):
            shutil.copytree(entry, copy / entry.name, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    extracted_po = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    extracted = {msgid for msgid, _, _ in _po_entries(extracted_po)}
    catalogued = {msgid for msgid, _, _ in _po_entries()}
    assert extracted - catalogued == set(), "run `make messages` and translate the new strings"
