"""The Spanish catalogue (``locale/es/LC_MESSAGES/django.po``) holds every string the portal
writes, each translated and none fuzzy, and the compiled ``django.mo`` beside it is the one the
catalogue compiles to (it is committed, so a fresh machine and the Docker image need no GNU
gettext: see docs/decisions.md). ``make messages`` brings both up to date."""

import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _unquote(line: str) -> str:
    return line[1:-1].encode().decode("unicode_escape").encode("latin-1").decode()


def entries(text: str) -> dict[tuple[str, str], dict]:
    """(msgctxt, msgid) → {"plural": …, "strings": [msgstr…], "fuzzy": bool}, header left out."""
    found = {}
    for block in text.strip().split("\n\n"):
        entry = {"ctx": "", "id": "", "plural": "", "strings": [], "fuzzy": False}
        field = None
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                entry["fuzzy"] = True
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                if field == "strings":
                    entry["strings"][-1] += _unquote(line)
                else:
                    entry[field] += _unquote(line)
            else:
                keyword, _, rest = line.partition(" ")
                if keyword == "msgctxt":
                    field = "ctx"
                elif keyword == "msgid":
                    field = "id"
                elif keyword == "msgid_plural":
                    field = "plural"
                elif re.fullmatch(r"msgstr(\[\d\])?", keyword):
                    field = "strings"
                    entry["strings"].append("")
                    entry["strings"][-1] += _unquote(rest)
                    continue
                entry[field] += _unquote(rest)
        if entry["id"]:
            found[(entry["ctx"], entry["id"])] = entry
    return found


def test_every_entry_is_translated_and_none_is_fuzzy():
    catalogue = entries(PO.read_text())
    assert len(catalogue) > 1000
    untranslated = [key[1] for key, e in catalogue.items() if not all(e["strings"])]
    fuzzy = [key[1] for key, e in catalogue.items() if e["fuzzy"]]
    assert untranslated == []
    assert fuzzy == []


def test_placeholders_are_kept_in_every_translation():
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")
    wrong = [
        key[1]
        for key, e in entries(PO.read_text()).items()
        for string in e["strings"]
        if sorted(placeholder.findall(string))
        not in (sorted(placeholder.findall(key[1])), sorted(placeholder.findall(e["plural"])))
    ]
    assert wrong == []


def test_the_catalogue_holds_every_string_of_the_code_and_templates(tmp_path):
    """makemessages, run as ``make messages`` (``manage.py update_messages``) runs it, finds
    no string the catalogue lacks and none it keeps that the code no longer has."""
    kept = tmp_path / "django.po"
    shutil.copy(PO, kept)
    try:
        call_command(
            "makemessages",
            locale=["es"],
            ignore_patterns=settings.MAKEMESSAGES_IGNORE,
            no_location=True,
            verbosity=0,
        )
        fresh = entries(PO.read_text())
    finally:
        shutil.copy(kept, PO)
    committed = entries(kept.read_text())
    assert sorted(k[1] for k in set(fresh) - set(committed)) == [], "run make messages"
    assert sorted(k[1] for k in set(committed) - set(fresh)) == [], "run make messages"


def test_the_compiled_catalogue_is_the_one_the_catalogue_compiles_to(tmp_path):
    compiled = tmp_path / "django.mo"
    # The flags compilemessages passes to GNU gettext's msgfmt.
    command = ["msgfmt", "--check-format", "-o", str(compiled), str(PO)]
    subprocess.run(command, check=True)  # noqa: S603
    assert MO.read_bytes() == compiled.read_bytes(), "run make messages"
