"""From rows to a plan: every row of the file as new / updated / unchanged / error, with what would change and, for an
error, the column and what is wrong in plain words. Reading only: a plan is shown (the preview) and re-made inside
the transaction that applies it (school.imports.apply), so what is written is what the database holds then.

The match rules (shown in the preview): students and staff are the same person when surname, name, patronymic
and birth date agree; guardians when surname, name and patronymic agree (one Person for a parent of several
children); classes by grade and letter in the current year. An empty cell keeps what is stored.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import format_date, gettext as _, lazy_gettext as _l
from sqlalchemy import exists, select

from school import clock
from school.extensions import db
from school.forms import CONTROL_CHARACTERS
from school.imports import values
from school.imports.columns import GUARDIANS, Header, normal, read_header

OUTCOMES = ("new", "updated", "unchanged", "error")
LIMITS = {"surname": 100, "name": 100, "patronymic": 100}


@dataclass
class Problem:
    column: str        # the header as written in the file ("" for the row as a whole)
    message: str


@dataclass
class Row:
    number: int        # the row's number in the spreadsheet (the header is row 1 in most files)
    label: str = ""
    outcome: str = "unchanged"
    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ref: dict = field(default_factory=dict)   # what apply needs: resolved ids and parsed values


@dataclass
class Plan:
    kind: str
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)      # about the whole file: no row is read then
    ignored_columns: list[str] = field(default_factory=list)
    context: dict = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for row in self.rows:
            counts[row.outcome] += 1
        return counts

    @property
    def has_errors(self) -> bool:
        return bool(self.problems) or any(r.outcome == "error" for r in self.rows)

    def rows_errors_first(self) -> list[Row]:
        return sorted(self.rows, key=lambda r: (r.outcome != "error", r.number))


def match_rule(kind: str) -> str:
    return {
        "people": _("Students are matched by surname, name, patronymic and birth date; guardians by surname, name "
                    "and patronymic (a parent of several children is one person). An empty cell keeps what is "
                    "stored."),
        "staff": _("Staff are matched by surname, name, patronymic and birth date. Roles are only added, never "
                   "taken away. An empty cell keeps what is stored."),
        "classes": _("Classes are matched by grade and letter in the current academic year. An empty cell keeps "
                     "what is stored."),
    }[kind]


def make_plan(kind: str, rows: list[list[str]]) -> Plan:
    plan = Plan(kind)
    start = next((i for i, r in enumerate(rows) if any(r)), None)
    if start is None:
        plan.problems.append(_("The file has no rows."))
        return plan
    header = read_header(kind, rows[start])
    plan.ignored_columns = header.unknown
    if header.missing:
        from school.imports.columns import header_of
        from school.i18n import current_language
        lang = current_language()
        plan.problems.append(_("Columns are missing: %(columns)s. Download the template to see the headers.",
                               columns=", ".join(header_of(kind, f, lang if lang in ("ru", "uk", "crh") else "ru")
                                                 for f in header.missing)))
    if header.duplicated:
        plan.problems.append(_("These columns appear twice: %(columns)s.", columns=", ".join(header.duplicated)))
    if plan.problems:
        return plan
    planner = {"people": _People, "staff": _Staff, "classes": _Classes}[kind](plan)
    if plan.problems:
        return plan
    for i in range(start + 1, len(rows)):
        if any(rows[i]):
            row = Row(number=i + 1)
            planner.plan_row(row, _Cells(header, rows[i], row))
            if row.problems:
                row.outcome = "error"
            plan.rows.append(row)
    if not plan.rows:
        plan.problems.append(_("The file has headers but no rows below them."))
    return plan


class _Cells:
    """One row's cells by field, each checked once; a problem goes to the row with the file's header."""

    def __init__(self, header: Header, values_: list[str], row: Row) -> None:
        self.header, self.values, self.row = header, values_, row

    def title(self, name: str) -> str:
        return self.header.titles.get(name, "")

    def problem(self, name: str, message: str) -> None:
        self.row.problems.append(Problem(self.title(name), message))

    def problems_for(self, name: str) -> bool:
        title = self.title(name)
        return any(p.column == title for p in self.row.problems)

    def text(self, name: str, limit: int = 200) -> str:
        i = self.header.columns.get(name)
        value = self.values[i].strip() if i is not None and i < len(self.values) else ""
        if CONTROL_CHARACTERS.search(value):
            self.problem(name, _("The cell holds control characters: retype it."))
            return ""
        if len(value) > limit:
            self.problem(name, _("Too long: at most %(num)s characters.", num=limit))
            return ""
        return value

    def parsed(self, name: str, parse, message: str):
        text = self.text(name)
        if not text:
            return None
        try:
            return parse(text)
        except ValueError:
            message = str(message)  # lazy: translated only for a wrong cell
            self.problem(name, message % {"value": text} if "%(value)s" in message else message)
            return None

    def date(self, name: str):
        return self.parsed(name, values.parse_date,
                           _l("“%(value)s” is not a date: write 01.09.2015 or 2015-09-01."))


def _name_key(surname: str, name: str, patronymic: str | None) -> tuple[str, str, str]:
    return normal(surname), normal(name), normal(patronymic or "")


def _full(surname: str, name: str, patronymic: str | None) -> str:
    return " ".join(p for p in (surname, name, patronymic) if p)


def _current_year(plan: Plan):
    from school.models import AcademicYear

    today = clock.today()
    year = db.session.scalar(select(AcademicYear).where(AcademicYear.first_day <= today,
                                                       AcademicYear.last_day >= today))
    if year is None:
        plan.problems.append(_("There is no academic year containing today: set up the year first."))
    return year


def day_text(day: dt.date | None) -> str | None:
    return format_date(day, "dd.MM.yyyy") if day else None


def _change(label: str, old, new) -> str:
    return _("%(field)s: %(old)s → %(new)s", field=label, old=old if old not in (None, "") else "—", new=new)


def _person_fields(cells: _Cells, with_birth: bool = True) -> dict:
    out = {"surname": cells.text("surname", LIMITS["surname"]), "name": cells.text("name", LIMITS["name"]),
           "patronymic": cells.text("patronymic", LIMITS["patronymic"]) or None,
           "phone": cells.parsed("phone", values.phone, _l("“%(value)s” is not a phone number.")),
           "email": cells.parsed("email", values.email, _l("“%(value)s” is not an e-mail address."))}
    if with_birth:
        out["birth_date"] = cells.date("birth_date")
    return out


def _contact_changes(person, fields: dict, changes: list[str]) -> None:
    for key, label in (("phone", _("phone")), ("email", _("e-mail"))):
        if fields.get(key) and fields[key] != getattr(person, key):
            changes.append(_change(label, getattr(person, key), fields[key]))


# ---------------------------------------------------------------------------------------------------- people

class _People:
    def __init__(self, plan: Plan) -> None:
        from school.models import Enrolment, Guardianship, Person, SchoolClass, Student
        from school.statements.service import parse_class_label

        self.parse_class_label = parse_class_label
        self.plan = plan
        self.year = _current_year(plan)
        if self.year is None:
            return
        today = clock.today()
        self.start = max(self.year.first_day, today)
        plan.context["start"] = self.start
        self.classes = {(c.grade, c.letter): c for c in db.session.scalars(
            select(SchoolClass).where(SchoolClass.year_id == self.year.id))}
        self.students = defaultdict(list)
        for student, person in db.session.execute(select(Student, Person).join(Person, Student.person_id == Person.id)):
            self.students[(*_name_key(person.surname, person.name, person.patronymic), person.birth_date)].append(
                student)
        # Every stay that reaches the enrolment day, whatever its year: enrolments never overlap.
        self.enrolled: dict[int, object] = {}
        for e in db.session.scalars(select(Enrolment).where((Enrolment.to_day.is_(None))
                                                            | (Enrolment.to_day >= self.start))):
            self.enrolled[e.student_id] = e
        self.links: dict[int, list] = defaultdict(list)          # student id -> [(Guardianship, Person)]
        self.guardians_by_name: dict[tuple, dict[int, object]] = defaultdict(dict)
        for link, person in db.session.execute(select(Guardianship, Person)
                                               .join(Person, Guardianship.guardian_id == Person.id)):
            self.links[link.student_id].append((link, person))
            self.guardians_by_name[_name_key(person.surname, person.name, person.patronymic)][person.id] = person
        self.seen_students: dict[tuple, int] = {}
        self.file_guardians: dict[tuple, tuple] = {}              # name key -> ("person", id) or ("new", key)
        self.guardian_values: dict[tuple, dict[str, tuple[str, int]]] = defaultdict(dict)

    def plan_row(self, row: Row, cells: _Cells) -> None:
        fields = _person_fields(cells)
        guardians = [self._guardian_cells(cells, n) for n in range(1, GUARDIANS + 1)]
        if not fields["surname"] or not fields["name"]:
            if any(guardians):
                cells.problem("surname", _("A guardian without a student: fill in the student's surname and name."))
            else:
                cells.problem("surname" if not fields["surname"] else "name",
                              _("The surname is missing.") if not fields["surname"] else _("The name is missing."))
            return
        row.label = _full(fields["surname"], fields["name"], fields["patronymic"])
        if fields["birth_date"] is None and not cells.problems_for("birth_date"):
            cells.problem("birth_date", _("The birth date is missing: it tells namesakes apart."))
        klass = self._class(cells)
        student_fields = {
            "delivery": cells.parsed("delivery", lambda t: values.choice(values.DELIVERY, t),
                                     _l("“%(value)s”: write electronic or paper.")),
            "statement_language": cells.parsed("statement_language", lambda t: values.choice(values.LANGUAGE, t),
                                               _l("“%(value)s”: write ru, uk or crh.")),
            "consent_date": cells.date("consent_date"),
        }
        if row.problems:
            return
        key = (*_name_key(fields["surname"], fields["name"], fields["patronymic"]), fields["birth_date"])
        if key in self.seen_students:
            cells.problem("surname", _("The same student is already in row %(row)s.", row=self.seen_students[key]))
            return
        self.seen_students[key] = row.number
        matches = self.students.get(key, [])
        if len(matches) > 1:
            cells.problem("surname", _("Several students in the register have this name and birth date: correct "
                                       "them by hand first."))
            return
        student = matches[0] if matches else None
        row.ref = {"student_id": student.id if student else None, "fields": fields, "student": student_fields,
                   "class_id": klass.id, "enrol": False, "guardians": []}
        if student is None:
            row.outcome = "new"
            row.ref["enrol"] = True
        else:
            self._student_changes(student, fields, student_fields, row.changes)
            enrolment = self.enrolled.get(student.id)
            if enrolment is None:
                row.ref["enrol"] = True
                row.changes.append(_("enrolled in class %(label)s from %(day)s", label=klass.label,
                                     day=day_text(self.start)))
            elif enrolment.class_id != klass.id:
                cells.problem("class", _("The student is in class %(label)s: a transfer is made on the student's "
                                         "page, with its order.", label=enrolment.school_class.label))
                return
        for n, g in enumerate(guardians, 1):
            if g:
                self._guardian(row, cells, n, g, student)
        if row.problems:
            return
        if row.outcome != "new":
            row.outcome = "updated" if row.changes else "unchanged"

    def _class(self, cells: _Cells):
        text = cells.text("class")
        if not text:
            cells.problem("class", _("The class is missing."))
            return None
        parsed = self.parse_class_label(text)
        if parsed is None:
            cells.problem("class", _("“%(value)s” is not a class: write it as 5-А.", value=text))
            return None
        klass = self.classes.get(parsed)
        if klass is None:
            cells.problem("class", _("There is no class %(label)s this year: import or add the classes first.",
                                     label=f"{parsed[0]}-{parsed[1]}"))
        return klass

    @staticmethod
    def _student_changes(student, fields: dict, student_fields: dict, changes: list[str]) -> None:
        _contact_changes(student.person, fields, changes)
        labels = {"delivery": _("delivery"), "statement_language": _("statement language"),
                  "consent_date": _("consent date")}
        shown = {"electronic": _("electronic"), "paper": _("paper")}

        def fmt(value):
            return day_text(value) if isinstance(value, dt.date) else shown.get(value, value)
        for key, label in labels.items():
            new = student_fields[key]
            if new is not None and new != getattr(student, key):
                changes.append(_change(label, fmt(getattr(student, key)), fmt(new)))

    def _guardian_cells(self, cells: _Cells, n: int) -> dict:
        g = {k: cells.text(f"g{n}_{k}", LIMITS.get(k, 200)) for k in ("surname", "name", "patronymic")}
        g["phone"] = cells.parsed(f"g{n}_phone", values.phone, _l("“%(value)s” is not a phone number."))
        g["email"] = cells.parsed(f"g{n}_email", values.email, _l("“%(value)s” is not an e-mail address."))
        g["relation"] = cells.parsed(f"g{n}_relation", lambda t: values.choice(values.RELATION, t),
                                     _l("“%(value)s”: write mother, father, guardian or other."))
        return g if any(g.values()) else {}

    def _guardian(self, row: Row, cells: _Cells, n: int, g: dict, student) -> None:
        if not g["surname"] or not g["name"]:
            missing = "surname" if not g["surname"] else "name"
            cells.problem(f"g{n}_{missing}", _("The guardian's surname is missing.") if missing == "surname"
                          else _("The guardian's name is missing."))
            return
        key = _name_key(g["surname"], g["name"], g["patronymic"])
        if any(other["key"] == key for other in row.ref["guardians"]):
            cells.problem(f"g{n}_surname", _("The same guardian is named twice in this row."))
            return
        ref, person, link = None, None, None
        if student is not None:
            for existing_link, p in self.links.get(student.id, []):
                if _name_key(p.surname, p.name, p.patronymic) == key:
                    ref, person, link = ("person", p.id), p, existing_link
        if ref is None and key in self.file_guardians:
            ref = self.file_guardians[key]
        if ref is None:
            namesakes = self.guardians_by_name.get(key, {})
            if len(namesakes) > 1:
                cells.problem(f"g{n}_surname", _("Several guardians in the register have this name: link this one "
                                                 "by hand."))
                return
            if namesakes:
                person = next(iter(namesakes.values()))
                ref = ("person", person.id)
            else:
                ref = ("new", key)
        if person is None and ref[0] == "person":
            person = next(p for p in self.guardians_by_name[key].values() if p.id == ref[1])
        self.file_guardians.setdefault(key, ref)
        # One person, one set of contacts: the rows of a parent's several children must agree.
        for field_name in ("phone", "email"):
            value = g[field_name]
            if value:
                earlier = self.guardian_values[ref].get(field_name)
                if earlier and earlier[0] != value:
                    cells.problem(f"g{n}_{field_name}", _("Differs from row %(row)s for the same guardian.",
                                                          row=earlier[1]))
                    return
                self.guardian_values[ref][field_name] = (value, row.number)
        row.ref["guardians"].append({"key": key, "ref": ref, "fields": g})
        if student is None:
            return
        name = _full(g["surname"], g["name"], g["patronymic"])
        if person is not None:
            before = len(row.changes)
            _contact_changes(person, g, row.changes)
            for i in range(before, len(row.changes)):
                row.changes[i] = f"{name}: {row.changes[i]}"
        if link is None:
            row.changes.append(_("guardian %(name)s linked", name=name))
        elif g["relation"] and g["relation"] != link.relation:
            row.changes.append(_("%(name)s: relation changed", name=name))


# ---------------------------------------------------------------------------------------------------- staff

class _Staff:
    def __init__(self, plan: Plan) -> None:
        from school.models import PendingStaffRole, Person, StaffRole, Student, User

        self.plan = plan
        self.people = defaultdict(list)
        persons = db.session.scalars(select(Person).where(~exists().where(Student.person_id == Person.id)))
        for p in persons:
            self.people[(*_name_key(p.surname, p.name, p.patronymic), p.birth_date)].append(p)
        self.user_of = {u.person_id: u for u in db.session.scalars(select(User))}
        self.roles = defaultdict(set)
        for user_id, role in db.session.execute(select(StaffRole.user_id, StaffRole.role)):
            self.roles[("user", user_id)].add(role)
        for person_id, role in db.session.execute(select(PendingStaffRole.person_id, PendingStaffRole.role)):
            self.roles[("person", person_id)].add(role)
        self.seen: dict[tuple, int] = {}

    def plan_row(self, row: Row, cells: _Cells) -> None:
        fields = _person_fields(cells)
        if not fields["surname"] or not fields["name"]:
            cells.problem("surname" if not fields["surname"] else "name",
                          _("The surname is missing.") if not fields["surname"] else _("The name is missing."))
            return
        row.label = _full(fields["surname"], fields["name"], fields["patronymic"])
        roles = cells.parsed("roles", values.roles, _l("“%(value)s” holds an unknown role: write administrator, "
                                                      "director, deputy, teacher or secretary."))
        if not roles and not cells.problems_for("roles"):
            cells.problem("roles", _("Give at least one role."))
        if row.problems:
            return
        key = (*_name_key(fields["surname"], fields["name"], fields["patronymic"]), fields["birth_date"])
        if key in self.seen:
            cells.problem("surname", _("The same person is already in row %(row)s.", row=self.seen[key]))
            return
        self.seen[key] = row.number
        matches = self.people.get(key, [])
        if len(matches) > 1:
            cells.problem("surname", _("Several people in the register have this name and birth date: correct "
                                       "them by hand first."))
            return
        person = matches[0] if matches else None
        row.ref = {"person_id": person.id if person else None, "fields": fields, "roles": roles}
        if person is None:
            row.outcome = "new"
            return
        _contact_changes(person, fields, row.changes)
        user = self.user_of.get(person.id)
        held = self.roles[("user", user.id) if user else ("person", person.id)]
        added = [r for r in roles if r not in held]
        if added:
            row.changes.append(_("roles added: %(roles)s", roles=", ".join(role_names()[r] for r in added)))
        row.outcome = "updated" if row.changes else "unchanged"


def role_names() -> dict[str, str]:
    return {"admin": _("administrator"), "director": _("director"), "deputy": _("deputy director"),
            "teacher": _("teacher"), "secretary": _("secretary")}


def scheme_names() -> dict[str, str]:
    return {"quarters": _("quarters"), "halves": _("halves"), "trimesters": _("trimesters")}


# ---------------------------------------------------------------------------------------------------- classes

class _Classes:
    def __init__(self, plan: Plan) -> None:
        from school.models import Person, SchoolClass, StaffRole, User

        self.plan = plan
        self.year = _current_year(plan)
        if self.year is None:
            return
        self.classes = {(c.grade, c.letter): c for c in db.session.scalars(
            select(SchoolClass).where(SchoolClass.year_id == self.year.id))}
        self.staff = defaultdict(dict)   # full or short name -> {user id: user}
        staff_users = db.session.execute(select(User, Person).join(Person, User.person_id == Person.id)
                                         .where(User.active.is_(True),
                                                exists().where(StaffRole.user_id == User.id)))
        self.users = {}
        for user, person in staff_users:
            self.users[user.id] = person
            self.staff[normal(_full(person.surname, person.name, person.patronymic))][user.id] = user
            self.staff[normal(person.short_name)][user.id] = user
            self.staff[normal(f"{person.surname} {person.name}")][user.id] = user
        self.seen: dict[tuple, int] = {}

    def plan_row(self, row: Row, cells: _Cells) -> None:
        from school.statements.service import parse_class_label

        grade = cells.parsed("grade", values.grade, _l("“%(value)s” is not a grade from 1 to 11."))
        letter_text = cells.text("letter", 10)
        if not letter_text and not cells.problems_for("letter"):
            cells.problem("letter", _("The letter is missing."))
        teacher_text = cells.text("class_teacher")
        scheme = cells.parsed("period_scheme", lambda t: values.choice(values.SCHEME, t),
                              _l("“%(value)s”: write quarters, halves or trimesters."))
        marks_from = cells.date("marks_from")
        if grade is None and not cells.problems_for("grade"):
            cells.problem("grade", _("The grade is missing."))
        if row.problems:
            return
        parsed = parse_class_label(f"{grade}{letter_text}")
        if parsed is None:
            cells.problem("letter", _("“%(value)s” is not a class letter.", value=letter_text))
            return
        letter = parsed[1]
        row.label = f"{grade}-{letter}"
        if (grade, letter) in self.seen:
            cells.problem("letter", _("The same class is already in row %(row)s.", row=self.seen[(grade, letter)]))
            return
        self.seen[(grade, letter)] = row.number
        teacher_id = None
        if teacher_text:
            found = self.staff.get(normal(teacher_text), {})
            if len(found) > 1:
                cells.problem("class_teacher", _("Several staff members are named “%(value)s”: write the full "
                                                 "name.", value=teacher_text))
            elif not found:
                cells.problem("class_teacher", _("No staff member with a login is named “%(value)s” (import the "
                                                 "staff and create their logins first).", value=teacher_text))
            else:
                teacher_id = next(iter(found))
        if marks_from is not None:
            if grade == 1:
                cells.problem("marks_from", _("Grade 1 gets no marks: leave this cell empty."))
            elif not self.year.first_day <= marks_from <= self.year.last_day:
                cells.problem("marks_from", _("The date is outside the academic year."))
        if row.problems:
            return
        klass = self.classes.get((grade, letter))
        row.ref = {"class_id": klass.id if klass else None, "grade": grade, "letter": letter,
                   "teacher_id": teacher_id, "scheme": scheme, "marks_from": marks_from}
        if klass is None:
            row.outcome = "new"
            return
        if teacher_id is not None and teacher_id != klass.class_teacher_id:
            old = self.users.get(klass.class_teacher_id)
            row.changes.append(_change(_("class teacher"), old.short_name if old else None,
                                       self.users[teacher_id].short_name))
        if scheme is not None and scheme != klass.period_scheme:
            names = scheme_names()
            row.changes.append(_change(_("periods"), names[klass.period_scheme], names[scheme]))
        if marks_from is not None and marks_from != klass.marks_from:
            row.changes.append(_change(_("marks from"), day_text(klass.marks_from),
                                       day_text(marks_from)))
        row.outcome = "updated" if row.changes else "unchanged"
