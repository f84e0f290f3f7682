"""`flask school …` speaks Russian, Ukrainian or Crimean Tatar: --lang, else the environment's locale, else ru."""
from __future__ import annotations

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from school.cli import _counted, environment_language, requested_language
from school.extensions import db
from school.i18n import as_locale
from school.models import User

NO_LOCALE = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": None, "LANGUAGE": None}
SHORT_PASSWORD = {"ru": "Пароль должен быть не короче 8 символов.",
                  "uk": "Пароль має бути не коротшим за 8 символів.",
                  "crh": "Пароль энъ аз 8 ишаретли олмалы."}


@pytest.mark.parametrize("environ, lang", [
    ({"LANG": "uk_UA.UTF-8"}, "uk"),
    ({"LANG": "crh_UA.UTF-8"}, "crh"),
    ({"LANG": "crh_UA"}, "crh"),
    ({"LANG": "ru_RU.UTF-8"}, "ru"),
    ({"LANG": "uk_UA@euro"}, "uk"),
    ({"LANG": "en_US.UTF-8"}, "ru"),                      # a language we do not speak: the school's default
    ({"LANG": "C"}, "ru"),
    ({}, "ru"),
    ({"LC_ALL": "uk_UA.UTF-8", "LANG": "crh_UA.UTF-8"}, "uk"),      # LC_ALL first, as POSIX reads them
    ({"LC_MESSAGES": "crh_UA", "LANG": "uk_UA.UTF-8"}, "crh"),      # then LC_MESSAGES
    ({"LC_ALL": "", "LANG": "uk_UA.UTF-8"}, "uk"),                  # an empty variable is not set
])
def test_language_of_the_environment(environ, lang):
    assert environment_language(environ) == lang


@pytest.mark.parametrize("args, lang", [
    (["--lang", "uk", "demo"], "uk"),
    (["--lang=crh", "statements", "--week", "2026-W48"], "crh"),
    (["demo", "--lang", "uk"], None),                    # after the command's name it is not the group's
    (["--lang", "de", "demo"], None),                    # click reports the bad value
    (["--lang"], None),
])
def test_lang_option_is_read_before_parsing(args, lang):
    assert requested_language(args) == lang


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_the_same_command_speaks_the_language_given_by_lang(runner, lang):
    # LANG says Ukrainian: --lang wins.
    result = runner.invoke(args=["school", "--lang", lang, "create-admin", "--username", "boss", "--password", "short"],
                           env={**NO_LOCALE, "LANG": "uk_UA.UTF-8"})
    assert result.exit_code == 2
    assert SHORT_PASSWORD[lang] in result.output


@pytest.mark.parametrize("locale, lang", [("ru_RU.UTF-8", "ru"), ("uk_UA.UTF-8", "uk"), ("crh_UA", "crh"),
                                          ("C.UTF-8", "ru"), (None, "ru")])
def test_without_lang_the_command_speaks_the_environments_language(runner, locale, lang):
    result = runner.invoke(args=["school", "create-admin", "--username", "boss", "--password", "short"],
                           env={**NO_LOCALE, "LANG": locale})
    assert result.exit_code == 2
    assert SHORT_PASSWORD[lang] in result.output


def test_prompts_and_the_result_are_translated(app, runner):
    result = runner.invoke(args=["school", "--lang", "crh", "create-admin", "--username", "Boss"],
                           input="longpassword\nlongpassword\n", env=NO_LOCALE)
    assert result.exit_code == 0, result.output
    assert "Пароль" in result.output and "Парольни текрарланъыз" in result.output
    assert "boss идареджиси азыр." in result.output
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "boss")) is not None


@pytest.mark.parametrize("lang, words", [
    ("ru", ["Использование:", "Параметры:", "Язык сообщений", "Показать эту справку", "Команды:",
            "Построить демо-школу"]),
    ("uk", ["Використання:", "Параметри:", "Мова повідомлень", "Показати цю довідку", "Команди:",
            "Побудувати демо-школу"]),
    ("crh", ["Къулланылышы:", "Сечимлер:", "Бильдирювлернинъ тили", "Бу ярдымны косьтер", "Эмирлер:",
             "Демо мектебини къур"]),
])
def test_group_help_in_three_languages(runner, lang, words):
    result = runner.invoke(args=["school", "--lang", lang, "--help"], env=NO_LOCALE)
    assert result.exit_code == 0, result.output
    for word in words:
        assert word in result.output
    assert "Show this message" not in result.output and "Options:" not in result.output


@pytest.mark.parametrize("locale, words", [
    ("ru_RU.UTF-8", ["Первый день, YYYY-MM-DD", "Файл PDF, который нужно записать."]),
    ("uk_UA.UTF-8", ["Перший день, YYYY-MM-DD", "Файл PDF, який треба записати."]),
    ("crh_UA.UTF-8", ["Биринджи кунь, YYYY-MM-DD", "Языладжакъ PDF файлы."]),
])
def test_command_help_follows_the_environment(runner, locale, words):
    result = runner.invoke(args=["school", "statements", "--help"], env={**NO_LOCALE, "LANG": locale})
    assert result.exit_code == 0, result.output
    for word in words:
        assert word in result.output


def test_help_leaves_no_app_context_behind(runner):
    """--help ends the parsing of `school` with an exception: the context pushed for it must still go."""
    for args in (["school", "--lang", "uk", "--help"], ["school", "--lang", "de"]):
        runner.invoke(args=args, env=NO_LOCALE)
        assert not current_app


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_domain_errors_come_in_the_commands_language(runner, tmp_path, lang):
    result = runner.invoke(args=["school", "--lang", lang, "statements", "--week", "48",
                                 "--pdf", str(tmp_path / "x.pdf")], env=NO_LOCALE)
    assert result.exit_code == 2
    expected = {"ru": "Укажите неделю в формате", "uk": "Вкажіть тиждень у форматі", "crh": "Афтаны ЙЙЙЙ-Wнн"}[lang]
    assert expected in result.output


@pytest.mark.parametrize("lang, counts", [
    ("ru", {1: "1 урок", 3: "3 урока", 5: "5 уроков", 11: "11 уроков", 21: "21 урок"}),
    ("uk", {1: "1 урок", 3: "3 уроки", 5: "5 уроків", 11: "11 уроків", 21: "21 урок"}),
    ("crh", {1: "1 дерс", 2: "2 дерс", 5: "5 дерс", 21: "21 дерс"}),
])
def test_counts_of_the_demo_build_use_each_languages_plurals(app, lang, counts):
    with app.app_context(), force_locale(as_locale(lang)):
        for n, text in counts.items():
            assert _counted({"lessons": n}) == text


@pytest.mark.parametrize("locale, words", [("uk_UA.UTF-8", "Команди адміністрування Defter"),
                                           (None, "Команды администрирования Defter")])
def test_flask_help_lists_the_group_in_the_environments_language(app, locale, words):
    """`flask --help` shows the group's short help outside the group's own locale (and outside a request)."""
    from flask.cli import FlaskGroup

    result = app.test_cli_runner().invoke(FlaskGroup(create_app=lambda: app), args=["--help"],
                                          env={**NO_LOCALE, "LANG": locale})
    assert result.exit_code == 0, result.output
    assert words in result.output
