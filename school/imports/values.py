"""Cell values as the register stores them: dates, delivery, languages, relations, roles and period schemes, each
accepted as schools write them in ru, uk, crh or English. A parser returns the value, or raises ValueError."""
from __future__ import annotations

import datetime as dt
import re

from school.imports.columns import normal

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 once Excel's phantom 29 February 1900 is passed


def parse_date(text: str) -> dt.date:
    """01.09.2015, 1.9.2015, 2015-09-01, 01/09/2015 (day first, as in ru/uk) or an Excel serial number."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", text):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", text):
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(\d{1,5})(?:\.0+)?", text):
        serial = int(m[1])
        if 1 <= serial <= 73050:  # up to the year 2099
            return EXCEL_EPOCH + dt.timedelta(days=serial)
    raise ValueError(text)


def _table(entries: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normal(word): value for value, words in entries.items() for word in (value, *words)}


DELIVERY = _table({
    "electronic": ("электронно", "электронный", "электронная", "электронный дневник", "дневник", "електронно",
                   "електронний", "електронний щоденник", "щоденник", "электрон", "кунделик", "e-diary"),
    "paper": ("бумага", "на бумаге", "бумажная", "бумажный", "ведомость", "папір", "паперова", "паперовий",
              "на папері", "кягъыт", "кягъыт узеринде"),
})
LANGUAGE = _table({
    "ru": ("русский", "рус", "російська", "русча", "russian"),
    "uk": ("украинский", "укр", "українська", "украинаджа", "ukrainian", "ua"),
    "crh": ("крымскотатарский", "крымско-татарский", "кримськотатарська", "къырымтатарджа", "къырымтатар",
            "crimean tatar", "qırımtatarca"),
})
RELATION = _table({
    "mother": ("мать", "мама", "мати", "ана"),
    "father": ("отец", "папа", "батько", "тато", "баба"),
    "guardian": ("опекун", "опекунша", "опікун", "опікунка", "попечитель", "піклувальник", "васий"),
    "other": ("другое", "другой", "інше", "інший", "дигер", "бабушка", "дедушка", "бабуся", "дідусь"),
})
ROLE = _table({
    "admin": ("администратор", "администратор эж", "адміністратор", "administrator"),
    "director": ("директор",),
    "deputy": ("заместитель", "заместитель директора", "завуч", "заместитель по увр", "заступник",
               "заступник директора", "директор муавини", "муавин"),
    "teacher": ("учитель", "преподаватель", "педагог", "вчитель", "оджа", "оджа къадын"),
    "secretary": ("секретарь", "секретар", "катип"),
})
SCHEME = _table({
    "quarters": ("четверти", "четверть", "чверті", "чверть", "черик", "черик девирлери", "4"),
    "halves": ("полугодия", "полугодие", "півріччя", "семестри", "ярым йыл", "ярым йыллар", "2"),
    "trimesters": ("триместры", "триместр", "триместри", "3"),
})


def choice(table: dict[str, str], text: str) -> str:
    try:
        return table[normal(text)]
    except KeyError:
        raise ValueError(text) from None


def roles(text: str) -> tuple[str, ...]:
    """One or more roles separated by commas, semicolons or line breaks."""
    out = []
    for part in re.split(r"[,;\n]+", text):
        if part.strip():
            role = choice(ROLE, part)
            if role not in out:
                out.append(role)
    return tuple(out)


def phone(text: str) -> str:
    """Kept as typed (schools write +7 978…, 8 (978)…), but it must hold digits and nothing but phone signs."""
    if not re.fullmatch(r"[+\d\s()\-.]{5,40}", text) or sum(ch.isdigit() for ch in text) < 5:
        raise ValueError(text)
    return re.sub(r"\s+", " ", text)


def email(text: str) -> str:
    if len(text) > 200 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise ValueError(text)
    return text


def grade(text: str) -> int:
    if not re.fullmatch(r"\d{1,2}", text) or not 1 <= int(text) <= 11:
        raise ValueError(text)
    return int(text)
