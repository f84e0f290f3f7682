"""Locale selection and the Crimean Tatar locale, which CLDR (and so Babel) does not have.

CrhLocale borrows Russian data for numbers and times and replaces months, weekdays and date formats with
our own table (I18N.md). Babel's cached Russian data is never mutated: we copy the top-level dict.
"""
from __future__ import annotations

import re
from functools import lru_cache

import flask_babel
from babel import Locale, localedata
from babel.dates import parse_pattern
from flask import g, has_request_context, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

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
    if not has_request_context():  # the CLI and background work: Russian unless a locale is forced
        return "ru"
    # Flask-Login keeps the request's user in g once loaded: read it there, not through the current_user proxy
    # (pages ask for the language dozens of times; the proxy costs as much as the rest of this function).
    user = g.get("_login_user") or current_user
    if user and user.is_authenticated:
        return user.language
    lang = request.cookies.get("lang") if request else None
    if lang in SUPPORTED:
        return lang
    return request.accept_languages.best_match(SUPPORTED, default="ru") if request else "ru"


def select_locale():
    lang = chosen_language()
    return CRH if lang == "crh" else lang


def request_translations():
    """Flask-Babel's translations for the request's locale, looked up once per locale and request: the templates
    translate dozens of strings a page, and each lookup through Flask-Babel walks its request state three times.
    Keyed on the locale object itself, so force_locale (which sets another) and refresh (which drops it) are
    followed."""
    state = g.get("_flask_babel")  # Flask-Babel's per-request namespace: its locale and domain
    locale = getattr(state, "babel_locale", None)
    cached = g.get("_translations")
    if locale is not None and cached is not None and cached[0] is locale:
        return cached[1]
    translations = flask_babel.get_translations()
    g._translations = (getattr(g.get("_flask_babel"), "babel_locale", None), translations)
    return translations


def locale_key() -> tuple | None:
    """The request's locale as a plain key for what is kept per locale (formatted dates, the grid's labels): read
    from Flask-Babel's state in g in one step once it is set (get_locale walks g three times a call), and a tuple
    of strings, because a babel Locale compares slowly and Flask-Babel makes a new one each request."""
    locale = getattr(g.get("_flask_babel"), "babel_locale", None) or get_locale()
    return None if locale is None else (locale.language, locale.territory, locale.script, locale.variant)


def install_template_gettext(app) -> None:
    """The templates' _(), ngettext() and their context forms through request_translations (after Babel's
    init_app, whose callables these replace; the same newstyle formatting and escaping)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True)
    # _(), gettext() and ngettext() called directly, not through Jinja's newstyle wrappers: those pass a call
    # through the template context three times (a fifth of a diary page's template time went to 22 of them). The
    # same semantics: the translation is trusted markup where the template autoescapes, the values are escaped
    # into it, and it is always a format string.
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)


def markup_gettext(string: str) -> Markup:
    """A translation as trusted markup (the catalogs are ours): `%` escapes the values put into it, as Jinja's
    newstyle gettext does where a template autoescapes. The templates' _() and HTML built in Python share it."""
    return Markup(request_translations().ugettext(string))


@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables) -> str:
    rv = markup_gettext(string) if eval_ctx.autoescape else request_translations().ugettext(string)
    return rv % variables


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    rv = request_translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


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


# Alphabets in their readers' order (no ICU here). Crimean Tatar's digraphs are letters of their own that
# follow their first letter (г … гъ, д … дж, к … къ, н … нъ): one table for a native speaker to correct.
ALPHABETS = {
    "ru": "а б в г д е ё ж з и й к л м н о п р с т у ф х ц ч ш щ ъ ы ь э ю я",
    "uk": "а б в г ґ д е є ж з и і ї й к л м н о п р с т у ф х ц ч ш щ ь ю я",
    "crh": "а б в г гъ д дж е ё ж з и й к къ л м н нъ о п р с т у ф х ц ч ш щ ъ ы ь э ю я",
}
_LETTERS = {lang: {letter: i for i, letter in enumerate(alphabet.split())} for lang, alphabet in ALPHABETS.items()}
_TOKENS = {lang: re.compile("|".join(sorted((re.escape(x) for x in letters), key=len, reverse=True)) + "|.", re.S)
           for lang, letters in _LETTERS.items()}


def sort_key(text: str, lang: str) -> tuple:
    """Sorts text as a reader of lang expects: their alphabet's order (ё after е, not after я; і ї є ґ in their
    Ukrainian places), case ignored; spaces and signs before letters, other scripts after."""
    letters = _LETTERS.get(lang, _LETTERS["ru"])
    folded = (text or "").casefold()
    key = []
    for token in _TOKENS.get(lang, _TOKENS["ru"]).findall(folded):
        if token in letters:
            key.append((2, letters[token]))
        elif token.isalnum():
            key.append((3, ord(token)))  # digits and Latin after the alphabet
        else:
            key.append((1, 0))  # a space or a sign: "Рус тили" before "Русский язык"
    return tuple(key), folded


def current_language() -> str:
    """The language pages are being rendered in (a statement forces the family's language)."""
    locale = get_locale()
    return str(locale) if locale is not None and str(locale) in SUPPORTED else chosen_language()


def by_subject(courses, lang: str | None = None) -> list:
    """Courses (or anything with .subject) by subject name in the reader's alphabet."""
    lang = lang or current_language()
    return sorted(courses, key=lambda c: sort_key(c.subject.name(lang), lang))


# Subgroups have one stored name; the usual ones are shown in the reader's language.
_NUMBERED_GROUP = re.compile(r"\s*(\d+)\s*(?:-?\s*я\s*)?(?:под)?группа\s*", re.I)


def subgroup_label(name: str) -> str:
    """'1 группа' → 'група 1' in Ukrainian, '1 топ' in Crimean Tatar; мальчики/девочки likewise; any other
    name as the school typed it."""
    match = _NUMBERED_GROUP.fullmatch(name or "")
    if match:
        return _("group %(number)s", number=match[1])
    known = {"мальчики": _("boys"), "девочки": _("girls")}
    return known.get((name or "").strip().casefold(), name)


_VOWELS = set("аеёиоуыэюяіїєaeiou")
_NOT_CUT_AFTER = _VOWELS | set("ьъ'’-")


def _cut(word: str, least: int) -> str:
    """A word shortened after its first consonant at or past `least` letters: Математика → Матем."""
    for end in range(least, len(word)):
        if word[end - 1].casefold() not in _NOT_CUT_AFTER:
            return word[:end] + "."
    return word


def abbreviate(name: str, longest: int = 8) -> str:
    """A short column head from a localized name (Математика → Матем., Русский язык → Рус. яз., Беден тербиеси →
    Бед. тер.): names up to `longest` letters stay whole; words in brackets and short joining words drop."""
    name = re.sub(r"\s*\(.*?\)", "", name or "").strip()
    if len(name) <= longest:
        return name
    words = [w for w in name.split() if len(w) > 2][:3] or name.split()
    if len(words) == 1:
        return _cut(words[0], 4)
    return " ".join(w if len(w) <= 4 else _cut(w, 3 if i == 0 else 2) for i, w in enumerate(words))
