import datetime as dt

import pytest
from babel import Locale
from babel.dates import format_date
from flask_babel import force_locale, ngettext
from sqlalchemy import select

from school.catalogs import incomplete
from school.extensions import db
from school.i18n import CRH, SUPPORTED
from school.models import User
from tests.conftest import csrf_token


@pytest.mark.parametrize("lang", SUPPORTED)
def test_catalog_is_complete(lang):
    assert incomplete(lang) == []


def test_crh_dates():
    d = dt.date(2024, 9, 2)
    assert format_date(d, "full", locale=CRH) == "Базарэртеси, 2 сентябрь 2024"
    assert format_date(d, "long", locale=CRH) == "2 сентябрь 2024"
    assert format_date(d, "short", locale=CRH) == "02.09.2024"
    assert format_date(dt.date(2026, 5, 7), "EEEE d MMMM", locale=CRH) == "Джумаакъшамы 7 майыс"
    assert format_date(dt.date(2026, 11, 27), "EEE", locale=CRH) == "Джум"
    assert str(CRH) == "crh"


def test_date_and_time_filters_keep_each_locale_apart(app):
    """The `date` and `time` filters keep what they formatted (templating.date_text): per locale, so a page in
    one language never shows a day formatted for another; a datetime still goes through Flask-Babel."""
    day, bell = dt.date(2026, 11, 27), dt.time(8, 30)
    date, time = app.jinja_env.filters["date"], app.jinja_env.filters["time"]
    seen = {}
    for _ in range(2):  # the second round is served from what the first kept
        for lang in SUPPORTED:
            with app.test_request_context(), force_locale(CRH if lang == "crh" else lang):
                seen.setdefault(lang, []).append((date(day, "EEEE d MMMM"), time(bell), date(day)))
    assert seen["ru"][0][0] == "пятница 27 ноября"
    assert seen["uk"][0][0] == "пʼятниця 27 листопада"
    assert seen["crh"][0][0] == "Джума 27 ноябрь"
    assert all(rounds[0] == rounds[1] for rounds in seen.values())
    assert seen["ru"][0][1] == "08:30"
    with app.test_request_context(), force_locale("ru"):
        assert date(dt.datetime(2026, 11, 27, 23, 30), "d MMMM") == "27 ноября"
        assert date(None) == "" and time(None) == ""


def test_crh_does_not_touch_russian_data():
    d = dt.date(2024, 9, 2)
    format_date(d, "full", locale=CRH)
    assert format_date(d, "full", locale="ru").startswith("понедельник, 2 сентября 2024")
    assert format_date(d, "full", locale="uk").startswith("понеділок, 2 вересня 2024")
    assert Locale.parse("ru").first_week_day == 0


def _plural(app, lang, n):
    with app.test_request_context(), force_locale(CRH if lang == "crh" else lang):
        return ngettext("Too many failed attempts for this account. Try again in %(num)d minute.",
                        "Too many failed attempts for this account. Try again in %(num)d minutes.", n)


def test_crh_plurals_follow_the_catalog(app):
    """Babel drops Plural-Forms for a locale it does not know (I18N.md); ours must survive compilation."""
    import gettext

    from school.catalogs import TRANSLATIONS, read_catalog
    with (TRANSLATIONS / "crh" / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        assert gettext.GNUTranslations(f).info()["plural-forms"] == "nplurals=2; plural=(n != 1);"
    msg = read_catalog("crh").get(("Too many failed attempts for this account. Try again in %(num)d minute.",
                                   "Too many failed attempts for this account. Try again in %(num)d minutes."))
    one, other = msg.string
    for n in (1, 2, 5, 21):
        expected = (one if n == 1 else other) % {"num": n}
        assert _plural(app, "crh", n) == expected
        assert "minute" not in expected


def test_russian_and_ukrainian_plurals(app):
    ru = {n: _plural(app, "ru", n).replace(str(n), "#") for n in (1, 3, 5, 11, 21)}
    assert ru[1] == ru[21] and ru[1].endswith("минуту.")
    assert ru[3].endswith("минуты.") and ru[5].endswith("минут.") and ru[11].endswith("минут.")
    uk = {n: _plural(app, "uk", n).replace(str(n), "#") for n in (1, 3, 5, 11, 21)}
    assert uk[1] == uk[21] and uk[3] != uk[5] and uk[5] == uk[11] and uk[1] != uk[5]


def test_language_defaults_from_accept_language(client):
    html = client.get("/login", headers={"Accept-Language": "uk-UA,uk;q=0.9"}).get_data(as_text=True)
    assert '<html lang="uk">' in html
    html = client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="ru">' in html


def test_language_switch_on_login_page_is_its_own_form(client):
    html = client.get("/login").get_data(as_text=True)
    login_form = html[html.index("<form"):html.index("</form>")]
    assert 'name="language"' in html and 'name="language"' not in login_form
    r = client.post("/lang", data={"language": "crh", "next": "/login", "csrf_token": csrf_token(client)})
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="crh">' in html and "Кириш" in html


def test_language_is_stored_per_user(app, auth, client):
    auth.login("teacher")
    auth.post("/lang", {"language": "uk", "next": "/"})
    with app.app_context():
        assert db.session.scalar(select(User.language).where(User.username == "teacher")) == "uk"
    auth.logout()
    assert '<html lang="uk">' in client.get("/login").get_data(as_text=True)  # the cookie outlives the session
    auth.login("teacher")
    assert '<html lang="uk">' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_422(client):
    r = client.post("/lang", data={"language": "de", "csrf_token": csrf_token(client)})
    assert r.status_code == 422


def test_crh_home_page_dates(auth, client):
    auth.login("parent")  # a parent whose language is crh
    html = client.get("/").get_data(as_text=True)
    assert "Салы, 24 ноябрь 2026" in html


def test_template_gettext_escapes_values_not_translations_and_is_plain_in_text(app):
    """The templates' _() and ngettext() (school.i18n._template_gettext): a value is escaped into an HTML page and
    left as it is in a text one (the e-mails), the translation itself is trusted, plurals follow the catalog."""
    from flask import render_template_string
    html_tpl = app.jinja_env.from_string('{{ _("Hello, %(name)s!", name=who) }} '
                                         '{{ ngettext("%(num)d unread", "%(num)d unread", n) }}')
    text_tpl = app.jinja_env.from_string('{% autoescape false %}{{ _("Hello, %(name)s!", name=who) }}'
                                         '{% endautoescape %}')
    with app.test_request_context(), force_locale("ru"):
        assert html_tpl.render(who="<b>Эмиль & Co</b>", n=5) == (
            "Здравствуйте, &lt;b&gt;Эмиль &amp; Co&lt;/b&gt;! 5 непрочитанных")
        assert html_tpl.render(who="Эмиль", n=1) == "Здравствуйте, Эмиль! 1 непрочитанное"
        assert text_tpl.render(who="<b>Эмиль & Co</b>") == "Здравствуйте, <b>Эмиль & Co</b>!"
        assert render_template_string("{{ _('Home') }}") == "Главная"
