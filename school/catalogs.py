"""Compile and check the ru/uk/crh catalogs with Babel, keeping crh's Plural-Forms (I18N.md).

`python -m school.catalogs compile` compiles every stale catalog; create_app() does the same on start so
a fresh checkout never serves stale or missing .mo files.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from school.config import ROOT
from school.i18n import SUPPORTED, as_locale

TRANSLATIONS = ROOT / "translations"


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def read_catalog(lang: str):
    # Passing our Locale object (not the string) keeps Babel from dropping crh's Plural-Forms header.
    with po_path(lang).open("rb") as f:
        catalog = read_po(f, locale=as_locale(lang))
    catalog.locale = as_locale(lang)  # the "Language: crh" header resets it to None on read
    return catalog


def compile_catalogs(force: bool = False) -> list[str]:
    done = []
    for lang in SUPPORTED:
        po = po_path(lang)
        if not po.exists():
            continue
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = read_catalog(lang)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)
        done.append(lang)
    return done


def update_catalogs() -> None:
    """Merge translations/messages.pot into every catalog (pybabel update drops crh's Plural-Forms)."""
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        template = read_po(f)
    for lang in SUPPORTED:
        catalog = read_catalog(lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with po_path(lang).open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, sort_output=True)


def incomplete(lang: str) -> list[str]:
    """Message ids that are untranslated or fuzzy in lang."""
    bad = []
    for msg in read_catalog(lang):
        if not msg.id:
            continue
        strings = msg.string if isinstance(msg.string, (tuple, list)) else (msg.string,)
        if msg.fuzzy or not all(strings):
            bad.append(msg.id if isinstance(msg.id, str) else msg.id[0])
    return bad


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "compile"
    if command == "compile":
        print("compiled:", ", ".join(compile_catalogs(force=True)) or "nothing")
    elif command == "update":
        update_catalogs()
    elif command == "check":
        problems = {lang: incomplete(lang) for lang in SUPPORTED}
        for lang, ids in problems.items():
            for i in ids:
                print(f"{lang}: {i}")
        sys.exit(1 if any(problems.values()) else 0)
