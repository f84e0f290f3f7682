"""The Crimean Tatar words we decided on (issue 8 §8), and the catalog rules every language keeps.

The decisions a native speaker should still confirm are listed in the issue's closing note; these tests keep
them from drifting back while nobody is looking.
"""
import datetime as dt
import re

import pytest
from babel.dates import format_date
from flask_babel import force_locale

from school.catalogs import read_catalog
from school.i18n import CRH, CRH_DAYS, CRH_DAYS_SHORT, CRH_MONTHS, SUPPORTED
from school.register.attendance import short_labels


def _crh(app, fn):
    with app.test_request_context(), force_locale(CRH):
        return fn()


def _messages(lang):
    """(msgid, [msgid_plural], [every msgstr]) of every translated message."""
    for msg in read_catalog(lang):
        if not msg.id:
            continue
        ids = list(msg.id) if isinstance(msg.id, (tuple, list)) else [msg.id]
        strings = list(msg.string) if isinstance(msg.string, (tuple, list)) else [msg.string]
        yield ids, strings


# --- attendance codes -------------------------------------------------------------------------------------

def test_crh_short_attendance_codes(app):
    assert _crh(app, short_labels) == {"absent": "Н", "late": "КК", "ill": "Х", "excused": "УС", "unexcused": "УЗ"}


def test_crh_codes_are_the_initials_of_their_long_words(app):
    """A teacher reads КК as «кеч кельди», УС as «узьрюли себеп», Х as «хаста эди»: the code and the legend
    beside it in the printed register must say the same thing (ГК, СС were initials of no word shown)."""
    from flask_babel import gettext as _

    def initials():
        long = {"late": _("late"), "excused": _("excused"), "ill": _("ill")}
        return {code: "".join(w[0] for w in text.split()).upper() for code, text in long.items()}

    codes = _crh(app, short_labels)
    for code, letters in _crh(app, initials).items():
        assert letters.startswith(codes[code]), (code, codes[code], letters)
    # Н is the key that marks an absence in every language (journal.js), so the grid shows the key it was typed with.
    assert codes["absent"] == "Н"


@pytest.mark.parametrize("lang", SUPPORTED)
def test_short_codes_are_short_and_distinct(app, lang):
    with app.test_request_context(), force_locale(CRH if lang == "crh" else lang):
        codes = short_labels()
    assert len(set(codes.values())) == len(codes), codes
    assert all(1 <= len(c) <= 2 for c in codes.values()), codes  # a grid cell is 2.75rem wide


# --- dates ------------------------------------------------------------------------------------------------

def test_crh_day_heading_reads_weekday_then_nominative_month():
    # templates: diary week and the home page's "Lessons on %(date)s" use "EEEE, d MMMM"
    assert format_date(dt.date(2026, 11, 24), "EEEE, d MMMM", locale=CRH) == "Салы, 24 ноябрь"
    assert format_date(dt.date(2026, 5, 7), "EEEE, d MMMM", locale=CRH) == "Джумаакъшамы, 7 майыс"
    assert format_date(dt.date(2024, 9, 2), "full", locale=CRH) == "Базарэртеси, 2 сентябрь 2024"


@pytest.mark.parametrize("month", range(1, 13))
def test_crh_month_stays_nominative_after_the_day(month):
    """Crimean Tatar does not decline the month after a day number (ru: «2 сентября», crh: «2 сентябрь»)."""
    d = dt.date(2026, month, 2)
    assert format_date(d, "d MMMM", locale=CRH) == f"2 {CRH_MONTHS[month - 1]}"
    assert format_date(d, "d MMMM y", locale=CRH) == format_date(d, "long", locale=CRH)


def test_crh_weekdays_full_and_short_are_distinct_and_start_on_monday():
    monday = dt.date(2026, 11, 23)
    week = [monday + dt.timedelta(days=i) for i in range(7)]
    assert [format_date(d, "EEEE", locale=CRH) for d in week] == list(CRH_DAYS)
    short = [format_date(d, "EEE", locale=CRH) for d in week]
    assert short == list(CRH_DAYS_SHORT) and len(set(short)) == 7
    # Джумаакъшамы, Джума, Джумаэртеси share their first letters: the short forms must still tell them apart
    assert {s for s in short if s.startswith("Дж")} == {"Джакъ", "Джум", "Джэр"}
    assert CRH.first_week_day == 0


# --- the statements and the rest of the vocabulary --------------------------------------------------------

def test_crh_statements_menu_name(auth, client):
    auth.login("admin")
    auth.post("/lang", {"language": "crh", "next": "/"})
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="crh">' in html
    assert ">Малюматлар</a>" in html


# English word in the msgid → the Crimean Tatar stem every translation of it must contain (I18N.md).
CRH_GLOSSARY = {
    r"\bmarks?\b": "къыймет",
    r"\blessons?\b": "дерс",
    r"\bhomework\b": "эв вазифе",
    r"\battendance\b": "девам",
    r"\bclass(es)?\b": "сыныф",
    r"\bteachers?\b": "оджа",
    r"\bstudents?\b": "талебе",
    r"\bdiary\b": "кундели",  # кунделик, кунделигим
    r"\badministrator\b": "идареджи",
    r"\bregister\b": "журнал",
    r"\bfinal\b": "нетидже",
    r"\bsummary statements?\b": "джедвел",
    r"(?<!summary )\bstatements?\b": "малюмат",
}
# Where the English word means something else, or the sentence says it another way.
CRH_GLOSSARY_EXCEPTIONS = {
    "The subject teacher's mark stays recorded; the reason you choose is kept beside it.",  # an attendance mark
    "Keys: arrows move, digits give a mark, Н marks an absence, Backspace clears, Enter moves down.",
    "One page per student, in the language the family chose. After printing, record that the statements were "
    "handed out; mark each here when it comes back signed.",  # "mark" the verb
}


def test_crh_glossary_is_kept():
    wrong = []
    for ids, strings in _messages("crh"):
        if ids[0] in CRH_GLOSSARY_EXCEPTIONS or ids[0].startswith(("mathematics in", "mother of", "student of")):
            continue
        for pattern, stem in CRH_GLOSSARY.items():
            if re.search(pattern, ids[0], re.I) and not all(stem in s.casefold() for s in strings):
                wrong.append((ids[0], stem))
    assert wrong == []


def test_crh_day_keeps_its_soft_sign_before_a_consonant():
    """кунь → куньлер, куньлюк, бугуньки (MediaWiki's crh converter); кунделик is its own word."""
    bad = re.compile(r"\b(?:бугун|кун)(?!дели)[бвгджзклмнпрстфхцчшщ]", re.I)
    assert [s for _, strings in _messages("crh") for s in strings if bad.search(s)] == []


# --- catalog rules for every language ---------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.mark.parametrize("lang", SUPPORTED)
def test_placeholders_are_kept(lang):
    wrong = []
    for ids, strings in _messages(lang):
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != expected:
                wrong.append((ids[0], s))
    assert wrong == []


def test_crh_plurals_have_both_forms_and_the_header():
    catalog = read_catalog("crh")
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    plurals = [strings for ids, strings in _messages("crh") if len(ids) == 2]
    assert plurals and all(len(s) == 2 and all(s) for s in plurals)


UK_GLOSSARY = {r"\bmarks?\b": "оцін", r"\battendance\b": "відвідуван", r"\blessons?\b": "урок"}
UK_GLOSSARY_EXCEPTIONS = {
    "The subject teacher's mark stays recorded; the reason you choose is kept beside it.",
    "Keys: arrows move, digits give a mark, Н marks an absence, Backspace clears, Enter moves down.",
    "One page per student, in the language the family chose. After printing, record that the statements were "
    "handed out; mark each here when it comes back signed.",
    "Only the course teacher and this lesson's substitute can enter marks here.",  # «записи»: marks and attendance
    "Current average mark by subject",  # «середній бал»
    "Summary statement of marks",  # «відомість обліку успішності», the form's own title
    "Missed lessons and late arrivals",  # «пропуски»
    "No missed lessons and no late arrivals.",
    # «на уроці»: к → ц in the locative
    "Attendance %(id)s of student %(student)s on lesson %(lesson)s: the student is not enrolled in the class that day.",
    "Mark %(id)s of student %(student)s on lesson %(lesson)s: the student is not enrolled in the class that day.",
}


def test_uk_school_vocabulary_is_kept():
    wrong = []
    for ids, strings in _messages("uk"):
        if ids[0] in UK_GLOSSARY_EXCEPTIONS or ids[0].startswith(("mathematics in", "mother of", "student of")):
            continue
        for pattern, stem in UK_GLOSSARY.items():
            if re.search(pattern, ids[0], re.I) and not all(stem in s.casefold() for s in strings):
                wrong.append((ids[0], stem))
    assert wrong == []


def test_uk_statement_span_message(app):
    """«не більше 31 днів» was wrong Ukrainian, and the span bounds the families' statements (виписки)."""
    from flask_babel import gettext as _
    with app.test_request_context(), force_locale("uk"):
        text = _("A statement covers at most %(days)d days: choose a month or a shorter period.", days=31)
    assert text.startswith("Виписка охоплює не більше 31 дня:")
