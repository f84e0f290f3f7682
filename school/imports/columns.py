"""The columns of each kind of import and the headers they are recognised by, in Russian, Ukrainian, Crimean Tatar
and English. The first header of a language is the one its template shows.

Headers are data, not interface text: a file saved by a Ukrainian secretary must be read by a Russian-speaking
administrator, so every language's headers are accepted at once whatever the interface speaks. The Crimean
Tatar headers are a first version for a native speaker to confirm (I18N.md: сыныф, талебе, ана-баба, оджа).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# field -> {language: (headers…)}
PERSON = {
    "surname": {"ru": ("Фамилия",), "uk": ("Прізвище",), "crh": ("Фамилия", "Сойады"), "en": ("Surname",
                                                                                           "Last name")},
    "name": {"ru": ("Имя",), "uk": ("Ім'я", "Імʼя", "Ім’я"), "crh": ("Ады", "Ад"), "en": ("Name", "First name")},
    "patronymic": {"ru": ("Отчество",), "uk": ("По батькові",), "crh": ("Ата ады",),
                   "en": ("Patronymic", "Middle name")},
    "birth_date": {"ru": ("Дата рождения",), "uk": ("Дата народження",), "crh": ("Догъгъан тарихы",),
                   "en": ("Birth date", "Date of birth")},
    "phone": {"ru": ("Телефон",), "uk": ("Телефон",), "crh": ("Телефон",), "en": ("Phone",)},
    "email": {"ru": ("Эл. почта", "E-mail", "Email", "Электронная почта"), "uk": ("Ел. пошта", "Електронна пошта"),
              "crh": ("Электрон почта",), "en": ("E-mail", "Email")},
}

GUARDIAN_FIELDS = ("surname", "name", "patronymic", "phone", "email", "relation")
RELATION = {"ru": ("Кем приходится", "Родство"), "uk": ("Ким доводиться", "Родинний зв'язок"),
            "crh": ("Акърабалыгъы",), "en": ("Relation",)}
GUARDIAN_PREFIX = {"ru": ("Родитель {n}", "Законный представитель {n}", "Представитель {n}"),
                   "uk": ("Батьки {n}", "Один з батьків {n}", "Законний представник {n}", "Представник {n}"),
                   "crh": ("Ана-баба {n}", "Васий {n}"), "en": ("Guardian {n}", "Parent {n}")}

STUDENT_EXTRA = {
    "class": {"ru": ("Класс",), "uk": ("Клас",), "crh": ("Сыныф",), "en": ("Class",)},
    "delivery": {"ru": ("Способ получения", "Доставка"), "uk": ("Спосіб отримання", "Доставка"),
                 "crh": ("Алув усулы",), "en": ("Delivery",)},
    "statement_language": {"ru": ("Язык ведомости",), "uk": ("Мова відомості",), "crh": ("Бильдирюв тили",),
                           "en": ("Statement language",)},
    "consent_date": {"ru": ("Дата согласия",), "uk": ("Дата згоди",), "crh": ("Разылыкъ тарихы",),
                     "en": ("Consent date",)},
}

STAFF_EXTRA = {
    "roles": {"ru": ("Роли", "Должность"), "uk": ("Ролі", "Посада"), "crh": ("Вазифелер",), "en": ("Roles",)},
}

CLASS_FIELDS = {
    "grade": {"ru": ("Параллель", "Год обучения"), "uk": ("Паралель", "Рік навчання"), "crh": ("Окъув йылы",),
              "en": ("Grade",)},
    "letter": {"ru": ("Буква",), "uk": ("Літера", "Буква"), "crh": ("Арф",), "en": ("Letter",)},
    "class_teacher": {"ru": ("Классный руководитель",), "uk": ("Класний керівник",), "crh": ("Сыныф оджасы",),
                      "en": ("Class teacher",)},
    "period_scheme": {"ru": ("Учебные периоды",), "uk": ("Навчальні періоди",), "crh": ("Окъув девирлери",),
                      "en": ("Period scheme",)},
    "marks_from": {"ru": ("Отметки с",), "uk": ("Оцінки з",), "crh": ("Къыйметлер башлагъан кунь",),
                   "en": ("Marks from",)},
}

GUARDIANS = 2


def _guardian_headers(n: int) -> dict[str, dict[str, tuple[str, ...]]]:
    out = {}
    for field in GUARDIAN_FIELDS:
        words = RELATION if field == "relation" else PERSON[field]
        out[f"g{n}_{field}"] = {
            lang: tuple(f"{prefix.format(n=n)}: {word.lower()}"
                        for prefix in GUARDIAN_PREFIX[lang] for word in words[lang])
            for lang in GUARDIAN_PREFIX}
    return out


KINDS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "people": {"class": STUDENT_EXTRA["class"], **PERSON,
               **{k: v for n in range(1, GUARDIANS + 1) for k, v in _guardian_headers(n).items()},
               **{k: STUDENT_EXTRA[k] for k in ("delivery", "statement_language", "consent_date")}},
    "staff": {**{k: PERSON[k] for k in ("surname", "name", "patronymic", "birth_date", "email", "phone")},
              **STAFF_EXTRA},
    "classes": CLASS_FIELDS,
}

REQUIRED = {"people": ("class", "surname", "name"), "staff": ("surname", "name"), "classes": ("grade", "letter")}


def normal(text: str) -> str:
    """Headers and names compared as a person reads them: case, ё/е, apostrophes, spaces and punctuation aside."""
    text = text.casefold().replace("ё", "е").replace("ʼ", "'").replace("’", "'")
    return re.sub(r"[\s.:;,_\-–—/()*]+", " ", text).strip()


_LOOKUP: dict[str, dict[str, str]] = {
    kind: {normal(h): field for field, langs in fields.items() for heads in langs.values() for h in heads}
    for kind, fields in KINDS.items()}


def header_of(kind: str, field: str, lang: str) -> str:
    return KINDS[kind][field][lang][0]


def headers(kind: str, lang: str) -> list[str]:
    return [header_of(kind, f, lang) for f in KINDS[kind]]


@dataclass
class Header:
    columns: dict[str, int]          # field -> column index
    titles: dict[str, str]           # field -> the header as written in the file
    unknown: list[str]               # headers that name no field (their columns are ignored)
    duplicated: list[str]            # headers of a field already seen
    missing: list[str]               # required fields without a column


def read_header(kind: str, row: list[str]) -> Header:
    columns, titles, unknown, duplicated = {}, {}, [], []
    lookup = _LOOKUP[kind]
    for i, title in enumerate(row):
        if not title:
            continue
        field = lookup.get(normal(title))
        if field is None:
            unknown.append(title)
        elif field in columns:
            duplicated.append(title)
        else:
            columns[field], titles[field] = i, title
    missing = [f for f in REQUIRED[kind] if f not in columns]
    return Header(columns, titles, unknown, duplicated, missing)
