"""Locale selection and the Crimean Tatar locale, which CLDR (and so Babel) does not have.

CrhLocale borrows Russian data for numbers and times and replaces months, weekdays and date formats with
our own table (I18N.md). Babel's cached Russian data is never mutated: we copy the top-level dict.
"""
from __future__ import annotations

from functools import lru_cache

from babel import Locale, localedata
from babel.dates import parse_pattern
from flask import request
from flask_login import current_user

SUPPORTED = ("ru", "uk", "crh")
LANGUAGE_NAMES = {"ru": "Русский", "uk": "Українська", "crh": "Къырымтатарджа"}

# One table for a native speaker to correct: full and short names (I18N.md).
CRH_MONTHS = ("январь", "февраль", "март", "апрель", "майыс", "июнь",
              "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь")
CRH_MONTHS_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
CRH_DAYS = ("Базарэртеси", "Салы", "Чаршенбе", "Джумаакъшамы", "Джума", "Джумаэртеси", "Базар")
CRH_DAYS_SHORT = ("Бэр", "Сал", "Чар", "Джакъ", "Джум", "Джэр", "Баз")


class CrhLocale(Locale):
    """Crimean Tatar (Cyrillic) on top of Russian locale data."""

    def __init__(self) -> None:
        super().__init__("ru")
        self.language = "crh"
        self._crh_data: localedata.LocaleDataDict | None = None

    @property
    def _data(self) -> localedata.LocaleDataDict:
        if self._crh_data is None:
            data = dict(localedata.load("ru"))  # shallow copy; the nested dicts we change are new objects
            months = {"wide": dict(enumerate(CRH_MONTHS, 1)),
                      "abbreviated": dict(enumerate(CRH_MONTHS_SHORT, 1)),
                      "narrow": {i: m[0].upper() for i, m in enumerate(CRH_MONTHS, 1)}}
            days = {"wide": dict(enumerate(CRH_DAYS)),
                    "abbreviated": dict(enumerate(CRH_DAYS_SHORT)),
                    "short": dict(enumerate(CRH_DAYS_SHORT)),
                    "narrow": {i: d[0] for i, d in enumerate(CRH_DAYS)}}
            data["months"] = {"format": months, "stand-alone": months}
            data["days"] = {"format": days, "stand-alone": days}
            data["date_formats"] = {"full": parse_pattern("EEEE, d MMMM y"), "long": parse_pattern("d MMMM y"),
                                    "medium": parse_pattern("d MMM y"), "short": parse_pattern("dd.MM.y")}
            self._crh_data = localedata.LocaleDataDict(data)
        return self._crh_data


CRH = CrhLocale()


def as_locale(code: str) -> Locale:
    return CRH if code == "crh" else Locale.parse(code)


def chosen_language() -> str:
    """The user's stored language, else the visitor's choice (a cookie), else Accept-Language, else Russian."""
    if current_user and current_user.is_authenticated:
        return current_user.language
    lang = request.cookies.get("lang") if request else None
    if lang in SUPPORTED:
        return lang
    return request.accept_languages.best_match(SUPPORTED, default="ru") if request else "ru"


def select_locale():
    lang = chosen_language()
    return CRH if lang == "crh" else lang


def localized(obj, field: str = "name", lang: str | None = None) -> str:
    """A model's name/address in the interface language (name_ru, name_uk, name_crh columns)."""
    lang = lang or chosen_language()
    return getattr(obj, f"{field}_{lang}", None) or getattr(obj, f"{field}_ru")


@lru_cache(maxsize=8)
def _wtforms_translations(code: str):
    from babel import support
    from wtforms.i18n import messages_path

    # WTForms ships no Crimean Tatar: its few built-in messages fall back to Russian, not English.
    return support.Translations.load(messages_path(), ["ru" if code == "crh" else code], domain="wtforms")


def preload_wtforms_translations() -> None:
    """Flask-WTF reads WTForms' catalog from disk on every form; give it a cached one instead."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        request.wtforms_translations = _wtforms_translations(chosen_language())
