"""The demo school (`flask school demo`): a believable small school in Yalta, built up to a given day.

Deterministic: every choice comes from random.Random(2026) and the day the demo is built up to; no clock
is read, so the same day gives the same rows, ids included. The rows go in as bulk core inserts with
explicit ids, which is fast and keeps the ids independent of the database's sequences.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import tomllib
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources

from flask_babel import force_locale, gettext, lazy_gettext as _l
from sqlalchemy import func, insert, select, text

from school.extensions import db
from school.i18n import as_locale
from school.models import (AcademicYear, Attendance, Base, BellTime, Course, DiaryView, Enrolment, Guardianship,
                           Holiday, Lesson, LessonChange, Mark, MarkChange, PaperStatement, Period, PeriodMark, Person,
                           PlanItem,
                           SchoolClass, StaffRole, Student, Subgroup, SubgroupMember, Subject,
                           TimetableSlot, User, WorkKind)
from school.passwords import hash_password
from school.register import timetable

SEED = 2026
PASSWORD = "demo"
# print_logins(only_if_present=True) advertises the logins only when `admin` is this demo person.
DEMO_ADMIN_SURNAME = "Сейтаблаев"

# The logins print_logins() shows: username, who it is (to translate), the person's names in it.
LOGINS = (
    ("admin", _l("administrator of the register: %(person)s"), dict(person="Сейтаблаев Рефат Энверович")),
    ("director", _l("director, reads everything: %(person)s"), dict(person="Бойко Валентина Николаевна")),
    ("teacher", _l("mathematics in 5-А, 5-Б and 6-А, class teacher of 5-А: %(person)s"),
     dict(person="Морозова Татьяна Николаевна")),
    ("parent", _l("mother of %(son)s (5-А) and %(daughter)s (8-А): %(person)s"),
     dict(son="Эмиль", daughter="Алие", person="Аблаева Эльмира Рустемовна")),
    ("student", _l("student of 8-А, daughter of `parent`: %(person)s"), dict(person="Аблаева Алие Ленуровна")),
)

# ---------------------------------------------------------------------------------------------------------
# The data lives in data/*.toml beside this module (package data: a wheel install carries it too). Each file
# is read once, at import; the names below keep the shapes the builder uses.


def _data(name: str) -> dict:
    return tomllib.loads((resources.files(__name__) / "data" / f"{name}.toml").read_text(encoding="utf-8"))


def _month_day(value: str) -> tuple[int, int]:
    month, day = value.split("-")
    return int(month), int(day)


_SCHOOL, _NAMES, _HOMEWORK = _data("school"), _data("names"), _data("homework")

# The calendar, as (month, day): September–December fall in the year's first calendar year.
QUARTERS = tuple((_month_day(a), _month_day(b)) for a, b in _SCHOOL["calendar"]["quarters"])
HALVES = tuple((_month_day(a), _month_day(b)) for a, b in _SCHOOL["calendar"]["halves"])
HOLIDAYS = tuple((_month_day(a), _month_day(b), ru, uk, crh) for a, b, ru, uk, crh in _SCHOOL["calendar"]["holidays"])


def _bells() -> dict[int, tuple[dt.time, dt.time]]:
    spec = _SCHOOL["bells"]
    hour, minute = (int(part) for part in spec["first_lesson"].split(":"))
    breaks = {int(number): minutes for number, minutes in spec["breaks_after"].items()}
    bells, start = {}, dt.datetime(2000, 1, 1, hour, minute)
    for number in range(1, spec["lessons"] + 1):
        end = start + dt.timedelta(minutes=spec["lesson_minutes"])
        bells[number] = (start.time(), end.time())
        start = end + dt.timedelta(minutes=breaks.get(number, spec["break_minutes"]))
    return bells


BELLS = _bells()
SUBJECTS = tuple(tuple(row) for row in _SCHOOL["subjects"])
CURRICULUM = {int(grade): hours for grade, hours in _SCHOOL["curriculum"].items()}
UNATTESTED = {tuple(row) for row in _SCHOOL["unattested"]}
CLASSES = tuple(tuple(row) for row in _SCHOOL["classes"])
# key, username, surname, name, patronymic, staff roles, interface language, room
STAFF = tuple((*row[:5], tuple(row[5]), row[6], row[7] or None) for row in _SCHOOL["staff"])
# Grades 5–11: class label -> subject -> staff key ("eng": the teachers of its two groups).
TEACHERS_BY_CLASS = _SCHOOL["teaching"]["classes"]
SPECIALISTS = _SCHOOL["teaching"]["specialists"]
PRIMARY_OWN = tuple(_SCHOOL["teaching"]["primary_own"])

# Names
SURNAMES, BOYS, GIRLS, FATHERS, MOTHERS = ({origin: tuple(names) for origin, names in _NAMES[part].items()}
                                           for part in ("surnames", "boys", "girls", "fathers", "mothers"))
# Father's name -> (son's, daughter's) patronymic.
PATRONYMICS = {father: tuple(forms) for father, forms in _NAMES["patronymics"].items()}
ORIGINS = tuple(_NAMES["origins"])

# Lesson topics ("topic | hours" lines) by "subject grades"; homework templates and kinds of work by subject.
TOPICS = _data("topics")
HOMEWORK = {short: tuple(templates) for short, templates in _HOMEWORK["templates"].items()}
TEST_KIND = {short: tuple(kinds) for short, kinds in _HOMEWORK["tests"].items()}
PRACTICE_KIND = _HOMEWORK["practice"]

_LATIN = dict(zip("абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя'",
                  ("a", "b", "v", "g", "g", "d", "e", "e", "ye", "zh", "z", "i", "i", "yi", "y", "k", "l", "m", "n",
                   "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",
                   "")))


def latin(word: str) -> str:
    return "".join(_LATIN.get(ch, ch) for ch in word.lower() if ch.isascii() and ch.isalnum() or ch in _LATIN)


def feminine(surname: str) -> str:
    """Аблаев -> Аблаева, Иванов -> Иванова; Ukrainian -енко, -ук, -ник and Бойко do not change."""
    return surname + "а" if surname.endswith(("ов", "ев", "ёв", "ин")) else surname


# Topics that begin like these are assessed work: they keep their hours when a block is stretched.
ASSESSED_TOPICS = ("Контрольн", "Диктант", "Сочинение", "Лабораторная", "Практическая", "Проверка")


def _lesson_topics(block: str, total: int) -> list[str]:
    """A topic block as one topic per lesson, stretched to the year's `total` lessons.

    Each line is "topic | hours"; the hours of the ordinary topics grow in proportion, tests and written work
    keep theirs.
    """
    items = [(topic.strip(), int(hours)) for topic, hours in
             (line.rsplit("|", 1) for line in block.strip().splitlines())]
    fixed = sum(h for t, h in items if t.startswith(ASSESSED_TOPICS))
    free = sum(h for t, h in items if not t.startswith(ASSESSED_TOPICS))
    factor = max(1.0, (total - fixed) / free)
    lessons, share, done = [], 0.0, 0
    for topic, hours in items:
        if topic.startswith(ASSESSED_TOPICS):
            lessons += [topic] * hours
            continue
        share += hours * factor
        n = max(1, round(share) - done)
        done += n
        lessons += [topic] * n
    return lessons[:total]


def _topics_for(short: str, grade: int, hours_per_week: int) -> list[str]:
    total = hours_per_week * (33 if grade == 1 else 34)
    for key, block in TOPICS.items():
        subject, grades = key.split()
        low, _, high = grades.partition("-")
        if subject == short and int(low) <= grade <= int(high or low):
            return _lesson_topics(block, total)
    raise KeyError((short, grade))


# ---------------------------------------------------------------------------------------------------------
class _Ids:
    """Explicit primary keys, continuing from what a table already holds (nothing after a reset)."""

    def __init__(self):
        self.last: dict[str, int] = {}

    def start(self, table) -> None:
        self.last[table.name] = db.session.scalar(select(func.max(table.c.id))) or 0

    def __call__(self, table) -> int:
        self.last[table.name] += 1
        return self.last[table.name]


def _reset_sequences() -> None:
    """PostgreSQL: explicit ids do not move the sequences; put each after the table's largest id."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), coalesce(max(id), 0) + 1, false) "
                f"FROM {table.name}"))


def build(day: dt.date, reset: bool = False) -> dict[str, int]:
    """Build the demo school into the app's database as it stands on `day`; commit; return row counts.

    reset=True first deletes every row of every table (and restores the reference rows).
    """
    from school.reference import install

    if reset:
        for table in reversed(Base.metadata.sorted_tables):
            db.session.execute(table.delete())
        _reset_sequences()
    install(db.session.connection())
    taken = db.session.scalars(select(User.username).where(User.username.in_([login[0] for login in LOGINS]))).all()
    if taken:
        raise RuntimeError(f"logins {', '.join(sorted(taken))} already exist; build the demo with reset=True")
    counts = _Builder(day).run()
    _reset_sequences()
    db.session.commit()
    _log_changes()
    # The rest of the year's lessons, as a school's timetable gives them (the builder wrote those held up to `day`).
    year_id = db.session.scalar(select(AcademicYear.id).where(AcademicYear.is_current.is_(True)))
    counts["lessons"] = counts.get("lessons", 0) + timetable.generate(None, year_id).created
    return counts


def _log_changes() -> None:
    """The administrator's record of the demo's substitutions and cancellations (teachers off sick)."""
    admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    reason = "Болезнь учителя"
    for lesson in db.session.scalars(select(Lesson).where(
            (Lesson.substitute_id.is_not(None)) | (Lesson.state == "cancelled")).order_by(Lesson.id)):
        kind = "substitution" if lesson.substitute_id else "cancelled"
        db.session.add(LessonChange(lesson_id=lesson.id, day=lesson.day, number=lesson.number, kind=kind,
                                    substitute_id=lesson.substitute_id, reason=reason, changed_by=admin_id,
                                    changed_at=dt.datetime.combine(lesson.day, dt.time(7, 30))))
    db.session.commit()


def is_demo_school() -> bool:
    """Whether this database holds the demo school: its `admin` login is the demo's administrator."""
    surname = db.session.scalar(select(Person.surname).join(User, User.person_id == Person.id)
                                .where(User.username == "admin"))
    return surname == DEMO_ADMIN_SURNAME


def print_logins(echo, only_if_present: bool = False, lang: str = "ru") -> None:
    """Echo the demo logins in `lang`; with only_if_present, only when this database is the demo school."""
    if only_if_present and not is_demo_school():
        return
    with force_locale(as_locale(lang)):
        echo(gettext("Demo logins, all with the password «%(password)s»:", password=PASSWORD))
        width = max(len(login[0]) for login in LOGINS)
        for username, who, names in LOGINS:
            echo(f"  {username:<{width}}  {who % names}")


# ---------------------------------------------------------------------------------------------------------
class _Builder:
    def __init__(self, day: dt.date):
        self.day = day
        self.rng = random.Random(SEED)
        self.ids = _Ids()
        self.rows: dict[str, list[dict]] = defaultdict(list)
        start_year = day.year if day.month >= 9 else day.year - 1
        self.y = start_year
        self.first_day, self.last_day = dt.date(start_year, 9, 1), dt.date(start_year + 1, 8, 31)
        self.pw_hash = hash_password(PASSWORD)
        self.usernames: set[str] = set()

    def d(self, month_day: tuple[int, int]) -> dt.date:
        month, dom = month_day
        return dt.date(self.y if month >= 9 else self.y + 1, month, dom)

    def add(self, model, **values) -> int:
        table = model.__table__
        values["id"] = self.ids(table)
        self.rows[table.name].append(values)
        return values["id"]

    # -- the whole build --------------------------------------------------------------------------------------
    def run(self) -> dict[str, int]:
        for table in Base.metadata.sorted_tables:
            if "id" in table.c:
                self.ids.start(table)
        self.kinds = {code: (kid, weight) for kid, code, weight in db.session.execute(
            select(WorkKind.id, WorkKind.code, WorkKind.weight))}
        self.school_and_calendar()
        self.staff()
        self.classes()
        self.students()
        self.courses()
        self.timetable()
        self.lessons()
        self.period_marks()
        self.families_online()
        self.insert()
        students = len(self.rows["students"])
        return dict(classes=len(self.class_list), students=students,
                    teachers=sum(1 for r in self.rows["staff_roles"] if r["role"] == "teacher"),
                    guardians=len(self.rows["guardianships"]), courses=len(self.rows["courses"]),
                    lessons=len(self.rows["lessons"]), marks=len(self.rows["marks"]),
                    attendance=len(self.rows["attendance"]), period_marks=len(self.rows["period_marks"]))

    def insert(self) -> None:
        for table in Base.metadata.sorted_tables:
            rows = self.rows.get(table.name)
            if rows:
                for chunk in range(0, len(rows), 5000):
                    db.session.execute(insert(table), rows[chunk:chunk + 5000])

    # -- the school, its year and calendar ---------------------------------------------------------------------
    def school_and_calendar(self) -> None:
        self.rows["school"].append(dict(
            id=1, name_ru="МБОУ «Школа № 7» г. Ялта", name_uk="МБОУ «Школа № 7» м. Ялта",
            name_crh="Ялта шеэринде 7 номералы мектеп",
            address_ru="298600, Республика Крым, г. Ялта, ул. Кирова, 7",
            address_uk="298600, Республіка Крим, м. Ялта, вул. Кірова, 7",
            address_crh="298600, Къырым Джумхуриети, Ялта ш., Киров сокъагъы, 7",
            scale="five", edit_window_days=14, round_up_from=Decimal("0.50"), topic_deadline_days=0,
            homework_deadline_minutes=60, mark_deadline_days=2, test_mark_deadline_days=3,
            written_mark_deadline_days=7, period_mark_deadline_days=2))
        self.year_id = self.add(AcademicYear, name=f"{self.y}/{self.y + 1}", first_day=self.first_day,
                                last_day=self.last_day, is_current=True, closed_at=None)
        self.periods: dict[str, list[tuple[int, dt.date, dt.date]]] = {}
        for scheme, spans in (("quarters", QUARTERS), ("halves", HALVES)):
            self.periods[scheme] = []
            for number, (a, b) in enumerate(spans, start=1):
                pid = self.add(Period, year_id=self.year_id, scheme=scheme, number=number, first_day=self.d(a),
                               last_day=self.d(b), closed_at=None)
                self.periods[scheme].append((pid, self.d(a), self.d(b)))
        self.holidays = []
        for a, b, ru, uk, crh in HOLIDAYS:
            self.add(Holiday, year_id=self.year_id, first_day=self.d(a), last_day=self.d(b), name_ru=ru,
                     name_uk=uk, name_crh=crh)
            self.holidays.append((self.d(a), self.d(b)))
        for number, (starts, ends) in BELLS.items():
            self.add(BellTime, number=number, starts=starts, ends=ends)
        self.subject_ids = {}
        for short, ru, uk, crh in SUBJECTS:
            self.subject_ids[short] = self.add(Subject, short=short, name_ru=ru, name_uk=uk, name_crh=crh)
        # School days: weekdays inside a quarter and outside the holidays, up to the demo's day.
        self.school_days = []
        for _, first, last in self.periods["quarters"]:
            day = first
            while day <= min(last, self.day):
                if day.isoweekday() <= 5 and not any(a <= day <= b for a, b in self.holidays):
                    self.school_days.append(day)
                day += dt.timedelta(days=1)

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute))

    # -- people ------------------------------------------------------------------------------------------------
    def person(self, surname, name, patronymic, birth_date=None, phone=None, email=None) -> int:
        return self.add(Person, surname=surname, name=name, patronymic=patronymic, birth_date=birth_date,
                        phone=phone, email=email)

    def phone(self) -> str:
        r = self.rng
        return f"+7 978 {r.randint(100, 999)}-{r.randint(10, 99):02d}-{r.randint(10, 99):02d}"

    def user(self, person_id: int, username: str, language: str = "ru", roles=()) -> int:
        self.usernames.add(username)
        uid = self.add(User, person_id=person_id, username=username, password_hash=self.pw_hash, language=language,
                       must_change_password=False,
                       password_changed_at=self.at(self.first_day - dt.timedelta(days=4), 10), active=True)
        for role in roles:
            self.add(StaffRole, user_id=uid, role=role)
        return uid

    def free_username(self, surname: str, name: str) -> str:
        base = f"{latin(surname)}.{latin(name)}"[:60]
        username, n = base, 1
        while username in self.usernames:
            n += 1
            username = f"{base}{n}"
        return username

    def staff(self) -> None:
        self.staff_ids: dict[str, int] = {}
        self.rooms: dict[int, str | None] = {}
        for key, username, surname, name, patronymic, roles, language, room in STAFF:
            birth = dt.date(self.y - self.rng.randint(26, 60), self.rng.randint(1, 12), self.rng.randint(1, 28))
            email = f"{latin(name)[0]}.{latin(surname)}@example.com"
            pid = self.person(surname, name, patronymic, birth, self.phone(), email)
            uid = self.user(pid, username, language, roles)
            self.staff_ids[key] = uid
            self.rooms[uid] = room
        self.teachers = [self.staff_ids[s[0]] for s in STAFF if "teacher" in s[5]]

    def classes(self) -> None:
        self.class_list = []
        for grade, letter, native, teacher_key in CLASSES:
            scheme = "halves" if grade >= 10 else "quarters"
            marks_from = None if grade == 1 else (self.d(QUARTERS[2][0]) if grade == 2 else self.first_day)
            cid = self.add(SchoolClass, year_id=self.year_id, grade=grade, letter=letter,
                           class_teacher_id=self.staff_ids[teacher_key], period_scheme=scheme, marks_from=marks_from)
            self.class_list.append(dict(id=cid, grade=grade, letter=letter, label=f"{grade}-{letter}", native=native,
                                        teacher=self.staff_ids[teacher_key], scheme=scheme, marks_from=marks_from))
        self.class_by_label = {c["label"]: c for c in self.class_list}

    # -- families and students ---------------------------------------------------------------------------------
    def students(self) -> None:
        r = self.rng
        self.sizes = {c["label"]: r.randint(19, 23) for c in self.class_list}
        self.seats = defaultdict(list)          # class label -> [student ids]
        self.student_info: dict[int, dict] = {}
        self.families: list[dict] = []
        # The `parent` and `student` logins: a Crimean Tatar family with children in 5-А and 8-А.
        self.family("crh", surname="Аблаев", father=("Ленур", "Айдерович"), mother=("Эльмира", "Рустемовна"),
                    children=[("5-А", "m", "Эмиль"), ("8-А", "f", "Алие")], delivery="electronic", language="ru",
                    logins=True)
        # Families in 5-А who asked for printed statements, one for each statement language.
        for origin in ("ru", "uk", "crh"):
            self.family(origin, children=[("5-А", r.choice("mf"), None)], delivery="paper", language=origin)
        while True:
            open_classes = [label for label, size in self.sizes.items() if len(self.seats[label]) < size]
            if not open_classes:
                break
            first = r.choice(open_classes)
            n = r.choices((1, 2, 3), weights=(75, 22, 3))[0]
            grades = {self.class_by_label[first]["grade"]}
            labels = [first]
            for _ in range(n - 1):
                others = [lb for lb in open_classes if self.class_by_label[lb]["grade"] not in grades]
                if others:
                    lb = r.choice(others)
                    labels.append(lb)
                    grades.add(self.class_by_label[lb]["grade"])
            origin = r.choice(ORIGINS)
            paper = r.random() < 0.05
            language = origin if origin != "ru" and r.random() < 0.35 else "ru"
            self.family(origin, children=[(lb, r.choice("mf"), None) for lb in labels],
                        delivery="paper" if paper else "electronic", language=language)
        self.movements()

    def family(self, origin, children, delivery, language, surname=None, father=None, mother=None,
               logins=False) -> None:
        r = self.rng
        surname = surname or r.choice(SURNAMES[origin])
        father_name = father[0] if father else r.choice(FATHERS[origin])
        father_pat = father[1] if father else PATRONYMICS[r.choice(FATHERS[origin])][0]
        mother_name = mother[0] if mother else r.choice(MOTHERS[origin])
        mother_pat = mother[1] if mother else PATRONYMICS[r.choice(FATHERS[origin])][1]
        eldest = max(self.class_by_label[label]["grade"] for label, _, _ in children)
        parent_year = self.y - 6 - eldest - r.randint(22, 36)
        guardians = []
        has_mother = mother is not None or r.random() < 0.95
        has_father = father is not None or not has_mother or r.random() < 0.6
        if has_mother:
            email = (f"{latin(mother_name)}.{latin(feminine(surname))}{r.randint(1, 99)}@example.com"
                     if r.random() < 0.3 else None)
            guardians.append((self.person(feminine(surname), mother_name, mother_pat,
                                          dt.date(parent_year + r.randint(0, 3), r.randint(1, 12), r.randint(1, 28)),
                                          self.phone(), email), "mother", mother_name, feminine(surname)))
        if has_father:
            guardians.append((self.person(surname, father_name, father_pat,
                                          dt.date(parent_year - r.randint(0, 4), r.randint(1, 12), r.randint(1, 28)),
                                          self.phone()), "father", father_name, surname))
        family = dict(origin=origin, delivery=delivery, language=language, guardians=guardians, students=[])
        used = set()
        for label, sex, name in children:
            klass = self.class_by_label[label]
            pool = BOYS[origin] if sex == "m" else GIRLS[origin]
            name = name or r.choice([n for n in pool if n not in used] or pool)
            used.add(name)
            grade = klass["grade"]
            born = dt.date(self.y - 6 - grade, 3, 1) + dt.timedelta(days=r.randint(0, 364))
            pid = self.person(surname if sex == "m" else feminine(surname), name,
                              PATRONYMICS[father_name][0 if sex == "m" else 1], born)
            consent = self.first_day - dt.timedelta(days=r.randint(-3, 12))
            sid = self.add(Student, person_id=pid, consent_date=consent, delivery=delivery,
                           statement_language=language)
            for guardian_id, relation, _, _ in guardians:
                self.add(Guardianship, guardian_id=guardian_id, student_id=sid, relation=relation)
            order = "41-у" if grade == 1 else "112-у"
            self.enrol(sid, klass, self.first_day, order)
            self.student_info[sid] = dict(person=pid, name=name, surname=surname,
                                          ability=min(4.9, max(3.0, r.gauss(3.9, 0.5))))
            self.seats[label].append(sid)
            family["students"].append(sid)
        self.families.append(family)
        if logins:
            self.demo_family = family

    def enrol(self, sid, klass, from_day, order_in, to_day=None, order_out=None, reason=None) -> int:
        return self.add(Enrolment, student_id=sid, class_id=klass["id"], from_day=from_day, to_day=to_day,
                        order_in=order_in, order_out=order_out, reason=reason)

    def movements(self) -> None:
        """A transfer 5-Б -> 5-А, a student who left 7-А, one admitted to 3-А late — each once its day has come."""
        r = self.rng
        enrolments = {row["student_id"]: row for row in self.rows["enrolments"]}
        transfer_day = dt.date(self.y, 10, 12)
        if self.day >= transfer_day:
            sid = sorted(self.seats["5-Б"])[3]
            row = enrolments[sid]
            row.update(to_day=transfer_day - dt.timedelta(days=3), order_out="138-у",
                       reason="Перевод в 5-А по заявлению родителей")
            self.enrol(sid, self.class_by_label["5-А"], transfer_day, "138-у")
            self.seats["5-А"].append(sid)
        leave_day = dt.date(self.y, 10, 16)
        if self.day >= leave_day:
            sid = sorted(self.seats["7-А"])[5]
            enrolments[sid].update(to_day=leave_day, order_out="142-у",
                                   reason="Выбыл в связи с переменой места жительства (г. Симферополь)")
        admit_day = dt.date(self.y, 9, 14)
        if self.day >= admit_day:
            self.family(r.choice(ORIGINS), children=[("3-А", "m", None)], delivery="electronic", language="ru")
            self.rows["enrolments"][-1].update(from_day=admit_day, order_in="131-у")
            self.rows["students"][-1].update(consent_date=admit_day - dt.timedelta(days=2))

    # -- who is in a class or subgroup on a day --------------------------------------------------------------
    def class_members(self, class_id: int) -> list[tuple[int, dt.date, dt.date]]:
        return [(e["student_id"], e["from_day"], e["to_day"] or self.last_day)
                for e in self.rows["enrolments"] if e["class_id"] == class_id]

    # -- courses, subgroups, plans ---------------------------------------------------------------------------
    def courses(self) -> None:
        self.course_info: dict[int, dict] = {}
        self.units: dict[str, list[dict]] = {}
        for klass in self.class_list:
            label, grade = klass["label"], klass["grade"]
            members = self.class_members(klass["id"])
            klass["members"] = members
            units = []
            for key, hours in CURRICULUM[grade].items():
                short = klass["native"] if key == "native" else key
                if short == "eng" and grade >= 5:
                    units.append(self.english_groups(klass, hours, members))
                    continue
                if grade <= 4:
                    teacher = klass["teacher"] if short in PRIMARY_OWN else self.staff_ids[SPECIALISTS[short]]
                else:
                    teacher = self.staff_ids[TEACHERS_BY_CLASS[label].get(short) or SPECIALISTS[short]]
                cid = self.course(klass, short, teacher, hours, None, members, self.rooms[teacher])
                units.append(dict(courses=[cid], teachers=(teacher,), hours=hours, short=short))
            self.units[label] = units

    def course(self, klass, short, teacher, hours, subgroup_id, members, room) -> int:
        attested = (klass["label"], short) not in UNATTESTED
        cid = self.add(Course, year_id=self.year_id, subject_id=self.subject_ids[short], teacher_id=teacher,
                       class_id=klass["id"], subgroup_id=subgroup_id, hours_per_week=Decimal(hours),
                       attested=attested, assessment="scale")
        topics = _topics_for(short, klass["grade"], hours)
        # Mathematics has its calendar-thematic plan, and its lessons follow it.
        plan = topics if short == "math" else None
        for position, topic in enumerate(plan or (), start=1):
            self.add(PlanItem, course_id=cid, position=position, topic=topic, hours=1)
        paragraphs, number = [], 0                 # the textbook paragraph follows the topic
        for i, topic in enumerate(topics):
            number += i == 0 or topic != topics[i - 1]
            paragraphs.append(number)
        self.course_info[cid] = dict(klass=klass, short=short, teacher=teacher, attested=attested, members=members,
                                     room=room, plan=plan, topics=topics, paragraphs=paragraphs, hours=hours, held=0,
                                     style=self.rng.randrange(len(HOMEWORK.get(short, "-"))))
        return cid

    def english_groups(self, klass, hours, members) -> dict:
        names = {sid: (self.student_info[sid]["surname"], self.student_info[sid]["name"]) for sid, _, _ in members}
        first_day_members = sorted((sid for sid, a, _ in members if a == self.first_day), key=names.get)
        half = (len(first_day_members) + 1) // 2
        groups = (first_day_members[:half], first_day_members[half:])
        courses, teachers = [], []
        group_rows = []
        for number, group in enumerate(groups, start=1):
            gid = self.add(Subgroup, class_id=klass["id"], subject_id=self.subject_ids["eng"],
                           name=f"{number} группа")
            rows = []
            for sid in group:
                to_day = next(to for s, _, to in members if s == sid)
                rows.append(self.add_member(gid, sid, self.first_day, to_day))
            group_rows.append((gid, rows))
        # Late arrivals join the smaller group.
        for sid, a, to in members:
            if a != self.first_day:
                gid, rows = min(group_rows, key=lambda g: len(g[1]))
                rows.append(self.add_member(gid, sid, a, to))
        for (gid, rows), teacher_key in zip(group_rows, TEACHERS_BY_CLASS[klass["label"]]["eng"]):
            teacher = self.staff_ids[teacher_key]
            group_members = [(m["student_id"], m["from_day"], m["to_day"] or self.last_day) for m in rows]
            courses.append(self.course(klass, "eng", teacher, hours, gid, group_members, self.rooms[teacher]))
            teachers.append(teacher)
        return dict(courses=courses, teachers=tuple(teachers), hours=hours, short="eng")

    def add_member(self, gid, sid, from_day, to_day) -> dict:
        self.add(SubgroupMember, subgroup_id=gid, student_id=sid, from_day=from_day,
                 to_day=None if to_day == self.last_day else to_day)
        return self.rows["subgroup_members"][-1]

    # -- the timetable -----------------------------------------------------------------------------------------
    def timetable(self) -> None:
        """Place every course hours_per_week times in a five-day week; no teacher is in two places at once."""
        r = random.Random(SEED + 1)
        order = sorted(self.class_list, key=lambda c: (-c["grade"], c["letter"]))
        for _ in range(200):
            grid = self._try_timetable(r, order)
            if grid is not None:
                break
        else:  # pragma: no cover - the data above always fits
            raise RuntimeError("no timetable found")
        self.grid = grid                      # (class label, weekday) -> [(number, unit)]
        self.teaches = {(info["teacher"], info["short"]) for info in self.course_info.values()}
        self.busy = set()                     # (teacher, weekday, number)
        for (label, weekday), placed in sorted(grid.items()):
            for number, unit in placed:
                for cid in unit["courses"]:
                    info = self.course_info[cid]
                    self.busy.add((info["teacher"], weekday, number))
                    self.add(TimetableSlot, course_id=cid, weekday=weekday, lesson_number=number, room=info["room"],
                             valid_from=self.first_day, valid_to=None)

    def _try_timetable(self, r: random.Random, order) -> dict | None:
        busy: set = set()
        remaining = {id(u): u["hours"] for units in self.units.values() for u in units}
        grid = {}
        per_day = {}
        for klass in order:
            total = sum(u["hours"] for u in self.units[klass["label"]])
            base, extra = divmod(total, 5)
            shift = r.randrange(5)
            per_day[klass["label"]] = [base + (1 if (i + shift) % 5 < extra else 0) for i in range(5)]
        for weekday in range(1, 6):
            days_left = 6 - weekday
            for klass in order:
                units = self.units[klass["label"]]
                for _ in range(30):
                    placed, today = [], Counter()
                    for number in range(1, per_day[klass["label"]][weekday - 1] + 1):
                        candidates = [u for u in units if remaining[id(u)] > 0
                                      and today[id(u)] < math.ceil(u["hours"] / 5)
                                      and all((t, weekday, number) not in busy for t in u["teachers"])]
                        if not candidates:
                            break
                        unit = max(candidates, key=lambda u: (remaining[id(u)] / days_left - today[id(u)],
                                                              r.random()))
                        placed.append((number, unit))
                        today[id(unit)] += 1
                        remaining[id(unit)] -= 1
                        busy.update((t, weekday, number) for t in unit["teachers"])
                    else:
                        grid[(klass["label"], weekday)] = placed
                        break
                    for number, unit in placed:      # undo the day and try another arrangement
                        remaining[id(unit)] += 1
                        busy.difference_update((t, weekday, number) for t in unit["teachers"])
                else:
                    return None
        return grid

    # -- lessons, marks, attendance ----------------------------------------------------------------------------
    def lessons(self) -> None:
        r = self.rng
        # Teachers off sick for a few days: colleagues substitute, or the lesson is cancelled.
        sick: set[tuple[int, dt.date]] = set()
        for _ in range(len(self.school_days) // 20):
            teacher = r.choice(self.teachers)
            start = r.randrange(len(self.school_days))
            sick.update((teacher, d) for d in self.school_days[start:start + r.randint(2, 4)])
        # Pupils off sick: whole days.
        off: dict[tuple[int, dt.date], dict] = {}
        for sid in sorted(self.student_info):
            for i, d in enumerate(self.school_days):
                if (sid, d) not in off and r.random() < 0.012:
                    days = self.school_days[i:i + r.randint(1, 5)]
                    code = r.choices(("absent", "ill", "excused"), weights=(65, 30, 5))[0]
                    episode = dict(student=sid, days=days, code=code)
                    for dd in days:
                        off[(sid, dd)] = episode
        self.marks_by: dict[tuple[int, int], list[tuple[dt.date, int, Decimal]]] = defaultdict(list)
        substituting: set = set()
        for day in self.school_days:
            weekday = day.isoweekday()
            for klass in self.class_list:
                unmarked = klass["marks_from"] is None or day < klass["marks_from"]
                for number, unit in self.grid.get((klass["label"], weekday), []):
                    for cid in unit["courses"]:
                        self.lesson(cid, day, number, weekday, unmarked, sick, substituting, off)

    def lesson(self, cid, day, number, weekday, unmarked, sick, substituting, off) -> None:
        r = self.rng
        info = self.course_info[cid]
        klass, short, teacher = info["klass"], info["short"], info["teacher"]
        state, substitute = "held", None
        if (teacher, day) in sick:
            free = [t for t in self.teachers if t != teacher and (t, weekday, number) not in self.busy
                    and (t, day, number) not in substituting and (t, day) not in sick]
            same = [t for t in free if (t, short) in self.teaches]
            if same or free:
                substitute = r.choice(same or free)
                substituting.add((substitute, day, number))
            else:
                state = "cancelled"
        elif r.random() < 0.005:
            state = "cancelled"
        starts, ends = BELLS[number]
        begin = dt.datetime.combine(day, starts)
        lesson = dict(course_id=cid, day=day, number=number, room=info["room"], topic=None, homework=None, work_kind_id=None,
                      substitute_id=substitute, state=state, topic_entered_at=None, homework_entered_at=None)
        lid = self.add(Lesson, **lesson)
        lesson = self.rows["lessons"][-1]
        if state == "cancelled":
            return
        info["held"] += 1
        index = info["held"]
        topics = info["topics"]
        if index <= len(topics):
            topic = topics[index - 1]
        else:
            topic = "Повторение: " + topics[(index - 1) % len(topics)]
        author = substitute or teacher
        recent = (self.day - day).days < 7
        if recent and r.random() < 0.03:
            topic_entered = None                     # not yet entered: the timeliness report has something to show
        else:
            late = r.random()
            topic_entered = (begin + dt.timedelta(minutes=r.randint(5, 40)) if late < 0.93 else
                             self.at(day, r.randint(18, 21), r.randint(0, 59)) if late < 0.97 else
                             self.at(day + dt.timedelta(days=1), 19, r.randint(0, 59)))
            topic_entered = min(topic_entered, self.at(self.day, 23, 0))
        if topic_entered:
            lesson.update(topic=topic, topic_entered_at=topic_entered)
        # The kind of work and whether the lesson is assessed at all.
        marked = not unmarked and info["attested"]
        kind = None
        if marked:
            if topic.startswith(("Контрольная работа", "Контрольный диктант", "Диктант")):
                kind = "dictation" if "иктант" in topic else "test"
            elif topic.startswith("Сочинение"):
                kind = "essay"
            elif topic.startswith(("Лабораторная работа", "Практическая работа")):
                kind = "lab" if topic.startswith("Лаб") else "practical"
            elif info["plan"] is None and index % 8 == 0 and short not in ("pe", "music", "art", "tech"):
                kind = r.choice(TEST_KIND.get(short, ("test",)))
            elif index % 8 == 4 and short not in ("pe", "music") and r.random() < 0.5:
                kind = PRACTICE_KIND.get(short, "independent")
            else:
                kind = "answer"
            lesson["work_kind_id"] = self.kinds[kind][0]
        # Homework: none in unmarked classes (grade 1, grade 2 before marks), none for the practical subjects.
        templates = HOMEWORK.get(short)
        if topic_entered and templates and not unmarked and r.random() < 0.92:
            p = info["paragraphs"][(index - 1) % len(topics)]
            n = 10 + index * 6 + r.randint(0, 4)
            pg = 5 + index * 3
            template = templates[info["style"]] if r.random() < 0.8 else r.choice(templates)
            homework = template.format(p=p, n=n, n2=n + 2, n3=n + 5, pg=pg, pg2=pg + 3,
                                                  q=r.randint(2, 6), q2=r.randint(7, 9))
            entered = dt.datetime.combine(day, ends) + dt.timedelta(
                minutes=r.randint(1, 50) if r.random() < 0.94 else r.randint(90, 300))
            lesson.update(homework=homework, homework_entered_at=min(max(entered, topic_entered),
                                                                     self.at(self.day, 23, 0)))
        # Who is there.
        present = []
        for sid, a, b in info["members"]:
            if not a <= day <= b:
                continue
            episode = off.get((sid, day))
            code = None
            if episode:
                code = episode["code"]
                self.attendance(lid, sid, code, author, begin, day, episode, klass)
            else:
                x = r.random()
                if x < 0.006:
                    code = "absent"
                    self.attendance(lid, sid, code, author, begin, day, None, klass)
                elif x < 0.011:
                    code = "late"
                    self.attendance(lid, sid, code, author, begin, day, None, klass)
            if code in (None, "late"):
                present.append(sid)
        if not marked or not present or day == self.school_days[0]:
            return                                   # 1 September: the first day is not for marks
        # Marks.
        kind_id, weight = self.kinds[kind]
        share = (r.uniform(0.85, 0.95) if kind in ("test", "dictation", "essay") else
                 r.uniform(0.45, 0.7) if kind in ("independent", "lab", "practical") else r.uniform(0.15, 0.25))
        written = kind != "answer"
        created = dt.datetime.combine(day, ends) + dt.timedelta(minutes=r.randint(0, 30))
        if written:
            created = self.at(day + dt.timedelta(days=r.randint(1, 2)), 15, r.randint(0, 59))
            if created > self.at(self.day, 23, 0):
                return                               # not checked yet
        elif r.random() < 0.03:
            late = self.at(day + dt.timedelta(days=r.randint(3, 5)), 20, r.randint(0, 59))
            created = late if late <= self.at(self.day, 23, 0) else created
        chosen = r.sample(present, max(1, round(share * len(present))))
        for sid in sorted(chosen):
            ability = self.student_info[sid]["ability"] - (0.2 if written else 0)
            value = min(5, max(2, round(r.gauss(ability, 0.75))))
            self.mark(lid, sid, 1, value, kind_id, weight, author, created, cid, day)
            if kind == "answer" and r.random() < 0.04:
                hw_id, hw_weight = self.kinds["homework"]
                value2 = min(5, max(2, round(r.gauss(ability + 0.2, 0.7))))
                self.mark(lid, sid, 2, value2, hw_id, hw_weight, author, created, cid, day)

    def mark(self, lid, sid, slot, value, kind_id, weight, author, created, cid, day) -> None:
        r = self.rng
        row = dict(lesson_id=lid, student_id=sid, slot=slot, scale="five", code=str(value), work_kind_id=kind_id,
                   weight=weight, comment=None, author_id=author, created_at=created, updated_at=created, version=1)
        if r.random() < 0.004 and value > 2:         # corrected after it was saved: the change log shows it
            changed = created + dt.timedelta(hours=r.randint(1, 30))
            if changed <= self.at(self.day, 23, 0):
                old = value - 1
                self.add(MarkChange, lesson_id=lid, student_id=sid, slot=slot, old_code=str(old),
                         new_code=str(value), changed_by=author, changed_at=changed,
                         reason="Исправлена ошибка при вводе отметки")
                row.update(updated_at=changed, version=2)
        self.add(Mark, **row)
        self.marks_by[(cid, sid)].append((day, value, weight))

    def attendance(self, lid, sid, code, author, begin, day, episode, klass) -> None:
        r = self.rng
        row = dict(lesson_id=lid, student_id=sid, code=code, set_by=author,
                   set_at=begin + dt.timedelta(minutes=r.randint(2, 15)), reason=None, reason_by=None,
                   reason_at=None, note=None, version=1)
        if code != "late":
            # The class teacher records the reason once the family has explained, a day or two later.
            if episode is not None:
                if "reason" not in episode:
                    episode["reason"] = (code if code != "absent" else
                                         r.choices(("ill", "excused", None), weights=(75, 15, 10))[0])
                reason = episode["reason"]
                explained = episode["days"][-1] + dt.timedelta(days=episode.setdefault("delay", r.randint(1, 3)))
            else:
                reason = r.choices(("unexcused", "excused", None), weights=(40, 25, 35))[0]
                explained = day + dt.timedelta(days=r.randint(0, 2))
            if reason and explained <= self.day:
                row.update(reason=reason, reason_by=klass["teacher"],
                           reason_at=self.at(explained, 16, (sid * 7) % 60))
        self.add(Attendance, **row)

    # -- period marks ------------------------------------------------------------------------------------------
    def period_marks(self) -> None:
        """Marks of every period that is over, for every marked course (grade 2 from marks_from)."""
        r = self.rng
        rows = []
        for klass in self.class_list:
            if klass["marks_from"] is None:
                continue
            for pid, first, last in self.periods[klass["scheme"]]:
                if last >= self.day or first < klass["marks_from"]:
                    continue
                set_day = min(last + dt.timedelta(days=2), self.day)
                for cid, info in self.course_info.items():
                    if info["klass"] is not klass or not info["attested"]:
                        continue
                    for sid, a, b in info["members"]:
                        if not a <= last <= b:
                            continue                   # gone before the period ended
                        marks = [(v, w) for d, v, w in self.marks_by.get((cid, sid), ()) if first <= d <= last]
                        rows.append((len(marks), dict(
                            student_id=sid, course_id=cid, kind="period", period_id=pid, scale="five",
                            code=self.suggested(marks), set_by=info["teacher"],
                            set_at=self.at(set_day, 15, r.randint(0, 59)), version=1)))
        # A couple of students with (almost) no marks are not attested.
        fewest = min((n for n, _ in rows), default=2)
        candidates = [row for n, row in rows if n == fewest] if fewest <= 1 else []
        for row in r.sample(candidates, min(2, len(candidates))):
            row["code"] = "н/а"
        for _, row in rows:
            self.add(PeriodMark, **row)

    @staticmethod
    def suggested(marks: list[tuple[int, Decimal]]) -> str:
        """The weighted average rounded half up; teachers do not fail a quarter on one or two marks."""
        if not marks:
            return "3"
        total = sum(Decimal(v) * w for v, w in marks) / sum(w for _, w in marks)
        code = int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return str(3 if code < 3 and len(marks) < 3 else code)

    # -- logins, diaries and printed statements ---------------------------------------------------------------
    def families_online(self) -> None:
        r = self.rng
        demo = self.demo_family
        mother = demo["guardians"][0][0]
        parent_uid = self.user(mother, "parent", "ru")
        eldest = demo["students"][1]
        self.user(self.student_info[eldest]["person"], "student", "ru")
        web_users: list[tuple[int, list[int]]] = [(parent_uid, demo["students"])]
        in_5a = set(self.seats["5-А"])
        for family in self.families:
            if family is demo or family["delivery"] == "paper":
                continue
            if not (in_5a & set(family["students"])) and r.random() > 0.3:
                continue
            guardian_id, _, name, surname = family["guardians"][0]
            language = family["origin"] if family["origin"] != "ru" and r.random() < 0.4 else "ru"
            uid = self.user(guardian_id, self.free_username(surname, name), language)
            web_users.append((uid, family["students"]))
        # Week by week, most parents look at the diary; many acknowledge it.
        weeks = sorted({d - dt.timedelta(days=d.weekday()) for d in self.school_days})
        this_week = self.day - dt.timedelta(days=self.day.weekday())
        for uid, students in web_users:
            keen = 1.0 if uid == parent_uid else r.uniform(0.3, 0.9)
            for week in weeks:
                if week >= this_week:
                    continue
                for sid in students:
                    if r.random() < keen:
                        viewed = self.at(week + dt.timedelta(days=r.randint(4, 6)), r.randint(18, 21),
                                         r.randint(0, 59))
                        acknowledged = viewed + dt.timedelta(minutes=r.randint(1, 20)) if r.random() < 0.7 else None
                        self.add(DiaryView, user_id=uid, student_id=sid, week_start=week, viewed_at=viewed,
                                 acknowledged_at=acknowledged)
        # Paper families: a statement printed every Friday, signed and brought back on Monday (mostly).
        class_of = {}
        for e in self.rows["enrolments"]:
            class_of.setdefault(e["student_id"], []).append(e)
        teacher_of = {c["id"]: c["teacher"] for c in self.class_list}
        for family in self.families:
            if family["delivery"] != "paper":
                continue
            for sid in family["students"]:
                for week in weeks:
                    friday = week + dt.timedelta(days=4)
                    if friday >= self.day:
                        continue
                    stay = [e for e in class_of[sid] if e["from_day"] <= friday <= (e["to_day"] or self.last_day)]
                    if not stay:
                        continue
                    teacher = teacher_of[stay[0]["class_id"]]
                    monday = week + dt.timedelta(days=7)
                    returned = monday if monday <= self.day and r.random() < 0.9 else None
                    self.add(PaperStatement, student_id=sid, first_day=week, last_day=friday,
                             printed_at=self.at(friday, 14, r.randint(0, 59)), printed_by=teacher,
                             returned_on=returned, recorded_by=teacher if returned else None)
