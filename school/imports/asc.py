"""aSc Timetables 2012 XML (aSc Расписание's export "aSc Timetables 2012 XML") read into plain records.

Only this module sees the XML. It is parsed by defusedxml with DTDs forbidden: an export never has one, so a
billion-laughs bomb or an external entity is refused before anything is expanded or fetched. Nothing here looks at
the database: school.imports.timetable turns an AscFile into a plan.

What real exports contain and how it is read:
- ids are strings ("*1", "8F33371218BE7F05"); lists are comma-separated ("a,b"); any field may be empty;
- a daysdef's or weeksdef's `days`/`weeks` is a comma-separated list of bit masks ("any day" lists every day);
- a card is one placed period of a lesson: `days` a mask (one character per day, "10000" is Monday), `period` the
  lesson number, `weeks` "10" (week A), "01" (week B), "11"/"1"/"" (every week); a block of two periods
  (periodspercard="2") comes as one card per period; a card of a lesson of several classes serves them all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from flask_babel import gettext as _

from school.imports.readers import FileRefused

MAX_ITEMS = 50_000      # of any one kind: a big school has a few thousand cards


@dataclass
class Teacher:
    id: str
    surname: str
    name: str
    patronymic: str
    short: str
    email: str

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p) or self.short or self.id


@dataclass
class Subject:
    id: str
    name: str
    short: str

    @property
    def label(self) -> str:
        return self.name or self.short or self.id


@dataclass
class Klass:
    id: str
    name: str
    short: str
    teacher_id: str

    @property
    def label(self) -> str:
        return self.name or self.short or self.id


@dataclass
class Group:
    id: str
    name: str
    class_id: str
    entire: bool


@dataclass
class Lesson:
    id: str
    class_ids: list[str]
    subject_id: str
    teacher_ids: list[str]
    group_ids: list[str]
    periods_per_week: Decimal | None
    periods_per_card: int
    weeksdef_id: str


@dataclass
class Card:
    lesson_id: str
    period: int | None
    weekdays: list[int]
    weeks: str | None          # "every", "A", "B"; None: not a two-week cycle this app knows
    classroom_ids: list[str]


@dataclass
class AscFile:
    teachers: dict[str, Teacher] = field(default_factory=dict)
    subjects: dict[str, Subject] = field(default_factory=dict)
    classes: dict[str, Klass] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    classrooms: dict[str, str] = field(default_factory=dict)        # id -> the room as the register writes it
    lessons: dict[str, Lesson] = field(default_factory=dict)
    cards: list[Card] = field(default_factory=list)
    weeksdefs: dict[str, str | None] = field(default_factory=dict)  # id -> every / A / B / None
    version: str = ""


def ids(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def weekdays_of(mask: str) -> list[int] | None:
    """'00100' -> [3]; None when it is not a mask of at most seven days."""
    mask = mask.strip()
    if not mask or len(mask) > 7 or set(mask) - {"0", "1"}:
        return None
    return [i + 1 for i, ch in enumerate(mask) if ch == "1"]


def weeks_of(masks: str) -> str | None:
    """A card's `weeks` or a weeksdef's list of masks as every / A / B. '' and '1' and '11' are every week; a
    list such as '10,01' ("any week") is every week too; None for a longer cycle ('100', '010', …)."""
    parts = ids(masks)
    if not parts:
        return "every"
    if any(set(p) - {"0", "1"} for p in parts):
        return None
    union = "".join("1" if any(len(p) > i and p[i] == "1" for p in parts) else "0"
                    for i in range(max(len(p) for p in parts)))
    if set(union) == {"1"}:
        return "every"
    if len(union) == 2:
        return "A" if union == "10" else "B" if union == "01" else None
    return None


def _text(el, name: str) -> str:
    return re.sub(r"\s+", " ", el.get(name) or "").strip()


INITIALS = re.compile(r"(?:[^\W\d_]\.\s*){1,3}")


def split_teacher(el) -> tuple[str, str, str]:
    """(surname, name, patronymic) from lastname/firstname, else from name ('Иванова Мария Петровна',
    'Иванова М.П.'). Initials stay initials: 'М.П.' is the name, the patronymic stays empty."""
    last, first = _text(el, "lastname"), _text(el, "firstname")
    if last:
        if first and not INITIALS.fullmatch(first):
            parts = first.split(" ", 1)
            return last, parts[0], parts[1] if len(parts) > 1 else ""
        return last, first, ""
    words = _text(el, "name").split(" ")
    if len(words) >= 2 and INITIALS.fullmatch("".join(words[1:])):
        return words[0], "".join(words[1:]), ""
    words += ["", ""]
    return words[0], words[1], " ".join(w for w in words[2:] if w)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ".")) if text else None
    except InvalidOperation:
        return None
    return value if value is not None and value.is_finite() and value > 0 else None


def _int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,3}", text or "") else None


def parse(data: bytes) -> AscFile:
    """The export as records; FileRefused (translated) when it is not XML, is dangerous, or is not an aSc export."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise FileRefused(_("The file declares XML entities or a DOCTYPE, which aSc Timetables exports never have "
                            "(an XML bomb or an external entity): it is not read.")) from None
    except (ParseError, ValueError, UnicodeError) as e:
        raise FileRefused(_("The file is not well-formed XML (%(reason)s): export it from aSc Timetables again as "
                            "“aSc Timetables 2012 XML”.", reason=str(e)[:200])) from None
    if root.tag != "timetable":
        raise FileRefused(_("This XML file is not an aSc Timetables export: its root element is not "
                            "<timetable>. Export “aSc Timetables 2012 XML” from aSc Timetables."))
    out = AscFile(version=_text(root, "ascttversion"))

    def each(tag: str):
        items = list(root.iter(tag))
        if len(items) > MAX_ITEMS:
            raise FileRefused(_("The file has more than %(num)s elements <%(tag)s>: it is not a school's "
                                "timetable.", num=MAX_ITEMS, tag=tag))
        return [el for el in items if _text(el, "id") or tag == "card"]

    for el in each("weeksdef"):
        out.weeksdefs[_text(el, "id")] = weeks_of(_text(el, "weeks"))
    for el in each("teacher"):
        surname, name, patronymic = split_teacher(el)
        out.teachers[_text(el, "id")] = Teacher(_text(el, "id"), surname, name, patronymic, _text(el, "short"),
                                                _text(el, "email"))
    for el in each("subject"):
        out.subjects[_text(el, "id")] = Subject(_text(el, "id"), _text(el, "name"), _text(el, "short"))
    for el in each("classroom"):
        short, name = _text(el, "short"), _text(el, "name")
        out.classrooms[_text(el, "id")] = short if short and len(short) <= 20 else name or short
    for el in each("class"):
        out.classes[_text(el, "id")] = Klass(_text(el, "id"), _text(el, "name"), _text(el, "short"),
                                             _text(el, "teacherid"))
    for el in each("group"):
        out.groups[_text(el, "id")] = Group(_text(el, "id"), _text(el, "name"), _text(el, "classid"),
                                            _text(el, "entireclass") == "1")
    for el in each("lesson"):
        out.lessons[_text(el, "id")] = Lesson(
            _text(el, "id"), ids(el.get("classids")), _text(el, "subjectid"),
            # Older exports name one teacher in `teacherid`.
            ids(el.get("teacherids")) or ids(el.get("teacherid")), ids(el.get("groupids")),
            _decimal(_text(el, "periodsperweek")), _int(_text(el, "periodspercard")) or 1, _text(el, "weeksdefid"))
    for el in each("card"):
        masks = ids(el.get("days"))
        days = sorted({d for m in masks for d in (weekdays_of(m) or [])})
        if any(weekdays_of(m) is None for m in masks):
            days = []
        out.cards.append(Card(_text(el, "lessonid"), _int(_text(el, "period")), days,
                              weeks_of(_text(el, "weeks")) if _text(el, "weeks") else "",
                              ids(el.get("classroomids"))))
    if not out.lessons and not out.cards:
        raise FileRefused(_("The file has no lessons and no cards: export the timetable with its lessons from aSc "
                            "Timetables (“aSc Timetables 2012 XML”)."))
    return out
