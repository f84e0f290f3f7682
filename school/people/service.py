"""People, classes, student movement and accounts: the domain functions behind /admin/people, tested without
HTTP. Every change is audited here (who, what, old → new), so a route cannot forget it.
Each function checks the facts it is given and raises PeopleError with a translated message; the route shows
it with 422."""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from school import audit, clock
from school.extensions import db
from school.integrity import OverlappingEnrolment
from school.models import (Enrolment, Guardianship, Period, Person, SchoolClass, StaffRole, Student, Subgroup,
                           SubgroupMember, User)
from school.models.people import STAFF_ROLES
from school.passwords import hash_password
from school.register.calendar import periods_of
from school.register.roster import enrolled_on


class PeopleError(ValueError):
    """A change refused, with the message the user reads."""


# ---------------------------------------------------------------- usernames

# Digraphs first: Crimean Tatar къ гъ нъ дж are one letter each (q, ğ, ñ, c in its Latin alphabet).
DIGRAPHS = {"къ": "q", "гъ": "gh", "нъ": "ng", "дж": "j"}
LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
    # Ukrainian
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "'": "", "’": "", "ʼ": "",
    # Crimean Tatar and Turkic letters typed in Latin
    "ö": "o", "ü": "u", "ç": "ch", "ş": "sh", "ğ": "gh", "ñ": "ng", "ı": "i", "â": "a", "é": "e",
}
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def transliterate(text: str) -> str:
    """Latin letters a reader of any of the three languages reads back: 'Къуртсеитов' -> 'qurtseitov'."""
    text = text.lower().replace("i̇", "i")  # Turkish dotted capital İ lowercases to i + a combining dot
    out, i = [], 0
    while i < len(text):
        pair = text[i:i + 2]
        if pair in DIGRAPHS:
            out.append(DIGRAPHS[pair])
            i += 2
            continue
        ch = text[i]
        out.append(LETTERS.get(ch, ch))
        i += 1
    return re.sub(r"[^a-z0-9]+", "", "".join(out))


def username_taken(username: str, except_user_id: int | None = None) -> bool:
    stmt = select(User.id).where(func.lower(User.username) == username.lower())
    if except_user_id:
        stmt = stmt.where(User.id != except_user_id)
    return db.session.scalar(stmt.limit(1)) is not None


def suggest_username(person: Person) -> str:
    """surname.name, transliterated; a number appended while it is taken (ablaeva.zarema2)."""
    base = ".".join(p for p in (transliterate(person.surname or ""), transliterate(person.name or "")) if p)
    base = base[:58] or "user"
    candidate, n = base, 1
    while username_taken(candidate):
        n += 1
        candidate = f"{base}{n}"
    return candidate


def check_username(username: str, except_user_id: int | None = None) -> str:
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise PeopleError(_("A username is 2 to 64 Latin letters, digits, dots, hyphens or underscores, "
                            "starting with a letter or digit."))
    if username_taken(username, except_user_id):
        raise PeopleError(_("The username %(username)s is taken.", username=username))
    return username


def one_time_password() -> str:
    """Easy to type from paper: 10 characters without look-alikes (0/O, 1/l/I), about 50 bits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


# ---------------------------------------------------------------- persons

PERSON_FIELDS = ("surname", "name", "patronymic", "birth_date", "phone", "email")


@dataclass
class PersonData:
    surname: str
    name: str
    patronymic: str | None = None
    birth_date: dt.date | None = None
    phone: str | None = None
    email: str | None = None


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _apply(obj, values: dict) -> list[str]:
    """Set the attributes; the list of 'field: old → new' for the audit log."""
    changes = []
    for key, new in values.items():
        new = _clean(new)
        old = getattr(obj, key)
        if old != new:
            changes.append(f"{key}: {'' if old is None else old} → {'' if new is None else new}")
            setattr(obj, key, new)
    return changes


def _person_values(data: PersonData) -> dict:
    values = {f: getattr(data, f) for f in PERSON_FIELDS}
    if not _clean(values["surname"]) or not _clean(values["name"]):
        raise PeopleError(_("Surname and name are required."))
    return values


def person_label(person: Person) -> str:
    return f"person {person.id} {person.full_name}"


# ---------------------------------------------------------------- staff

def staff_select(query: str = ""):
    """Staff (anyone with a stored role, active or not), by surname; searched by any part of the name."""
    stmt = (select(User).join(Person, Person.id == User.person_id)
            .where(User.id.in_(select(StaffRole.user_id))).order_by(Person.surname, Person.name, User.id))
    return _searched(stmt, query)


def _spellings(word: str) -> set[str]:
    """SQLite's lower() and LIKE fold only ASCII letters: the usual spellings of a Cyrillic word are asked for."""
    return {word, word.lower(), word.capitalize(), word.upper()}


def _searched(stmt, query: str):
    for word in (query or "").split()[:4]:
        likes = [f"%{w}%" for w in _spellings(word)]
        stmt = stmt.where(or_(*(col.like(like) for col in (Person.surname, Person.name, Person.patronymic)
                                for like in likes)))
    return stmt


def _check_roles(roles) -> list[str]:
    roles = sorted(set(roles))
    if not roles or set(roles) - set(STAFF_ROLES):
        raise PeopleError(_("Choose at least one role."))
    return roles


def add_staff(data: PersonData, roles, username: str | None = None) -> tuple[User, str]:
    """A staff member with a login and a one-time password (shown once, on the answer of this POST)."""
    roles = _check_roles(roles)
    person = Person(**{k: _clean(v) for k, v in _person_values(data).items()})
    db.session.add(person)
    username = check_username(username) if username else suggest_username(person)
    password = one_time_password()
    user = User(person=person, username=username, password_hash=hash_password(password), must_change_password=True)
    user.roles = [StaffRole(role=r) for r in roles]
    db.session.add(user)
    db.session.flush()
    audit.record("staff_added", f"user {user.id}",
                 f"{person.full_name}; username: {username}; roles: {', '.join(roles)}")
    return user, password


def edit_staff(user: User, data: PersonData, roles, username: str) -> None:
    roles = _check_roles(roles)
    username = check_username(username, except_user_id=user.id)
    changes = _apply(user.person, _person_values(data))
    if username != user.username:
        changes.append(f"username: {user.username} → {username}")
        user.username = username
    old_roles = sorted(user.staff_roles)
    if old_roles != roles:
        changes.append(f"roles: {', '.join(old_roles)} → {', '.join(roles)}")
        keep = [r for r in user.roles if r.role in roles]
        user.roles = keep + [StaffRole(role=r) for r in roles if r not in old_roles]
    if changes:
        audit.record("staff_edited", f"user {user.id}", "; ".join(changes))


def set_active(user: User, active: bool, actor: User) -> None:
    """Deactivate (never delete: their entries stay attributed); this ends every session of the account."""
    if not active and user.id == actor.id:
        raise PeopleError(_("You cannot deactivate your own account."))
    if user.active == active:
        return
    if active:
        user.active = True
    else:
        user.deactivate()
    audit.record("user_activated" if active else "user_deactivated", f"user {user.id}",
                 f"active: {not active} → {active}")


# ---------------------------------------------------------------- classes and subgroups

def class_taken(year_id: int, grade: int, letter: str, except_id: int | None = None) -> bool:
    stmt = select(SchoolClass.id).where(SchoolClass.year_id == year_id, SchoolClass.grade == grade,
                                        SchoolClass.letter == letter)
    if except_id:
        stmt = stmt.where(SchoolClass.id != except_id)
    return db.session.scalar(stmt) is not None


def save_class(klass: SchoolClass | None, year_id: int, grade: int, letter: str, class_teacher_id: int | None,
               period_scheme: str, marks_from: dt.date | None) -> SchoolClass:
    letter = letter.strip().upper()
    if not 1 <= grade <= 11 or not 1 <= len(letter) <= 2:
        raise PeopleError(_("A class has a grade from 1 to 11 and a letter."))
    if grade == 1 and marks_from is not None:
        raise PeopleError(_("Grade 1 gets no marks: leave the day marks start empty."))
    if class_taken(year_id, grade, letter, klass.id if klass else None):
        raise PeopleError(_("Class %(label)s already exists this year.", label=f"{grade}-{letter}"))
    values = dict(grade=grade, letter=letter, class_teacher_id=class_teacher_id, period_scheme=period_scheme,
                  marks_from=marks_from)
    if klass is None:
        klass = SchoolClass(year_id=year_id, **values)
        db.session.add(klass)
        db.session.flush()
        audit.record("class_added", f"class {klass.id}", "; ".join(f"{k}: {v}" for k, v in values.items()))
    else:
        changes = _apply(klass, values)
        if changes:
            audit.record("class_edited", f"class {klass.id}", "; ".join(changes))
    return klass


def default_marks_from(grade: int, year_first_day: dt.date, periods: list[Period]) -> dt.date | None:
    """Grade 1: none; grade 2: the second half of the year (the first period after its middle); else the year's
    first day (001 п. 3.9)."""
    if grade == 1:
        return None
    if grade == 2 and periods:
        half = len(periods) // 2
        return periods[half].first_day if half < len(periods) else year_first_day
    return year_first_day


def add_subgroup(klass: SchoolClass, subject_id: int, name: str) -> Subgroup:
    name = name.strip()
    if not name:
        raise PeopleError(_("Give the subgroup a name."))
    if db.session.scalar(select(Subgroup.id).where(Subgroup.class_id == klass.id, Subgroup.subject_id == subject_id,
                                                   Subgroup.name == name)):
        raise PeopleError(_("This subgroup already exists."))
    group = Subgroup(class_id=klass.id, subject_id=subject_id, name=name)
    db.session.add(group)
    db.session.flush()
    audit.record("subgroup_added", f"subgroup {group.id}", f"class {klass.label}; subject {subject_id}; {name}")
    return group


def period_starts(klass: SchoolClass) -> list[dt.date]:
    """The days a subgroup change may take effect: the first days of the class's periods (001 п. 4.4.11)."""
    return [p.first_day for p in periods_of(klass)]


def subgroup_members(group: Subgroup, day: dt.date) -> list[Student]:
    return db.session.scalars(select(Student).join(SubgroupMember, SubgroupMember.student_id == Student.id)
                              .join(Person, Person.id == Student.person_id)
                              .where(SubgroupMember.subgroup_id == group.id, enrolled_on(day, SubgroupMember))
                              .order_by(Person.surname, Person.name)).all()


def class_students(klass: SchoolClass, day: dt.date | None = None) -> list[Student]:
    """Enrolled on the day; with no day, everybody who was ever in the class (those who left included)."""
    stays = select(Enrolment.student_id).where(Enrolment.class_id == klass.id)
    if day is not None:
        stays = stays.where(enrolled_on(day, Enrolment))
    return db.session.scalars(select(Student).join(Person, Person.id == Student.person_id)
                              .where(Student.id.in_(stays)).order_by(Person.surname, Person.name, Student.id)).all()


def move_to_subgroup(group: Subgroup, student: Student, day: dt.date) -> None:
    """From the day on, the student is in this subgroup and in no other subgroup of the same subject: the day must
    start one of the class's periods, and the student must be in the class that day."""
    klass = db.session.get(SchoolClass, group.class_id)
    if day not in period_starts(klass):
        raise PeopleError(_("A student changes subgroups only at the start of a period."))
    if student not in class_students(klass, day):
        raise PeopleError(_("This student is not in the class on that day."))
    siblings = select(Subgroup.id).where(Subgroup.class_id == group.class_id, Subgroup.subject_id == group.subject_id)
    rows = db.session.scalars(select(SubgroupMember).where(SubgroupMember.student_id == student.id,
                                                           SubgroupMember.subgroup_id.in_(siblings),
                                                           or_(SubgroupMember.to_day.is_(None),
                                                               SubgroupMember.to_day >= day))).all()
    changes = []
    for row in rows:
        if row.subgroup_id == group.id and row.from_day <= day:
            return  # already there
        if row.from_day >= day:  # a move planned for later is replaced by this one
            changes.append(f"subgroup {row.subgroup_id} from {row.from_day}: removed")
            db.session.delete(row)
        else:
            changes.append(f"subgroup {row.subgroup_id}: to {row.to_day or ''} → {day - dt.timedelta(days=1)}")
            row.to_day = day - dt.timedelta(days=1)
    db.session.add(SubgroupMember(subgroup_id=group.id, student_id=student.id, from_day=day))
    changes.append(f"subgroup {group.id}: from {day}")
    audit.record("subgroup_moved", f"student {student.id}", "; ".join(changes))


# ---------------------------------------------------------------- students and guardians

@dataclass
class FamilyChoice:
    consent_date: dt.date | None
    delivery: str
    statement_language: str


def students_select(query: str = ""):
    stmt = select(Student).join(Person, Person.id == Student.person_id).order_by(Person.surname, Person.name,
                                                                                Student.id)
    return _searched(stmt, query)


def save_student(student: Student | None, data: PersonData, family: FamilyChoice) -> Student:
    values = _person_values(data)
    choice = dict(consent_date=family.consent_date, delivery=family.delivery,
                  statement_language=family.statement_language)
    if student is None:
        student = Student(person=Person(**{k: _clean(v) for k, v in values.items()}), **choice)
        db.session.add(student)
        db.session.flush()
        audit.record("student_added", f"student {student.id}", "; ".join(
            [student.person.full_name] + [f"{k}: {v}" for k, v in choice.items()]))
    else:
        changes = _apply(student.person, values) + _apply(student, choice)
        if changes:
            audit.record("student_edited", f"student {student.id}", "; ".join(changes))
    return student


def find_person(data: PersonData) -> Person | None:
    """The same person already stored (surname, name, patronymic and birth date match): a parent of several
    children is one person with one account."""
    surname, name, patronymic = (_clean(v) or "" for v in (data.surname, data.name, data.patronymic))
    stmt = select(Person).where(Person.surname.in_(_spellings(surname)), Person.name.in_(_spellings(name)))
    if data.birth_date:
        stmt = stmt.where(or_(Person.birth_date == data.birth_date, Person.birth_date.is_(None)))
    wanted = (surname.casefold(), name.casefold(), patronymic.casefold())
    return next((p for p in db.session.scalars(stmt.order_by(Person.id))
                 if (p.surname.casefold(), p.name.casefold(), (p.patronymic or "").casefold()) == wanted), None)


def link_guardian(student: Student, relation: str, person: Person | None = None,
                  data: PersonData | None = None) -> Guardianship:
    """Link an existing person (another child's parent), or the person the data names (found or new)."""
    if person is None:
        values = _person_values(data)
        person = find_person(data)
        if person is None:
            person = Person(**{k: _clean(v) for k, v in values.items()})
            db.session.add(person)
            db.session.flush()
    if person.id == student.person_id:
        raise PeopleError(_("A student cannot be their own guardian."))
    if db.session.scalar(select(Guardianship.id).where(Guardianship.student_id == student.id,
                                                       Guardianship.guardian_id == person.id)):
        raise PeopleError(_("This guardian is already linked to the student."))
    link = Guardianship(guardian_id=person.id, student_id=student.id, relation=relation)
    db.session.add(link)
    db.session.flush()
    audit.record("guardian_linked", f"student {student.id}", f"{person_label(person)}; relation: {relation}")
    return link


def unlink_guardian(link: Guardianship) -> None:
    audit.record("guardian_unlinked", f"student {link.student_id}", f"person {link.guardian_id}; {link.relation}")
    db.session.delete(link)


def edit_guardian(person: Person, data: PersonData) -> None:
    changes = _apply(person, _person_values(data))
    if changes:
        audit.record("guardian_edited", person_label(person)[:100], "; ".join(changes))


# ---------------------------------------------------------------- movement

def history(student: Student) -> list[Enrolment]:
    return db.session.scalars(select(Enrolment).where(Enrolment.student_id == student.id)
                              .order_by(Enrolment.from_day, Enrolment.id)).all()


def current_enrolment(student: Student, day: dt.date) -> Enrolment | None:
    return db.session.scalars(select(Enrolment).where(Enrolment.student_id == student.id, enrolled_on(day))
                              .limit(1)).first()


def _flush_enrolments() -> None:
    try:
        db.session.flush()
    except OverlappingEnrolment as e:
        raise PeopleError(_("The student is already in a class on some of these days.")) from e


def admit(student: Student, klass: SchoolClass, day: dt.date, order: str) -> Enrolment:
    if not (klass.year.first_day <= day <= klass.year.last_day):
        raise PeopleError(_("The date is outside the class's school year."))
    stay = Enrolment(student_id=student.id, class_id=klass.id, from_day=day, order_in=_clean(order))
    db.session.add(stay)
    _flush_enrolments()
    audit.record("student_admitted", f"student {student.id}", f"class {klass.label}; from {day}; order {order}")
    return stay


def leave(student: Student, last_day: dt.date, order: str, reason: str | None) -> Enrolment:
    """The last day in the class; the register keeps showing the student, greyed, in the days before."""
    stay = current_enrolment(student, last_day)
    if stay is None:
        raise PeopleError(_("The student is not in a class on that day."))
    old = stay.to_day
    stay.to_day, stay.order_out, stay.reason = last_day, _clean(order), _clean(reason)
    _flush_enrolments()
    audit.record("student_left", f"student {student.id}",
                 f"class {stay.school_class.label}; to: {old or ''} → {last_day}; order {order}; {reason or ''}")
    return stay


def transfer(student: Student, klass: SchoolClass, day: dt.date, order: str, reason: str | None) -> Enrolment:
    """From the day on in the new class; the old stay ends the day before, so the old class's marks stay
    readable in its register."""
    stay = current_enrolment(student, day)
    if stay is None:
        raise PeopleError(_("The student is not in a class on that day."))
    if stay.class_id == klass.id:
        raise PeopleError(_("The student is already in this class."))
    if stay.from_day >= day:
        raise PeopleError(_("A transfer takes effect after the student's first day in the old class."))
    old_to = stay.to_day
    stay.to_day, stay.order_out, stay.reason = day - dt.timedelta(days=1), _clean(order), _clean(reason)
    new = Enrolment(student_id=student.id, class_id=klass.id, from_day=day, to_day=old_to, order_in=_clean(order))
    db.session.add(new)
    _flush_enrolments()
    audit.record("student_transferred", f"student {student.id}",
                 f"class {stay.school_class.label} → {klass.label}; from {day}; order {order}; {reason or ''}")
    return new


# ---------------------------------------------------------------- accounts and slips

@dataclass
class Slip:
    person: Person
    username: str
    password: str
    lang: str
    kind: str                  # "student" or "parent"
    children: list[str]        # for a parent: the children's names


def class_family(klass: SchoolClass) -> list[tuple[Person, str, list[Student]]]:
    """The students of the class (ever, this year) and their guardians, each person once:
    (person, "student" | "parent", the students they stand for)."""
    out: dict[int, tuple[Person, str, list[Student]]] = {}
    students = class_students(klass)
    for st in students:
        out[st.person_id] = (st.person, "student", [st])
    links = db.session.scalars(select(Guardianship).where(Guardianship.student_id.in_([s.id for s in students]))
                               .order_by(Guardianship.id)).all() if students else []
    by_id = {s.id: s for s in students}
    for link in links:
        if link.guardian_id in out and out[link.guardian_id][1] == "parent":
            out[link.guardian_id][2].append(by_id[link.student_id])
        elif link.guardian_id not in out:
            out[link.guardian_id] = (link.guardian, "parent", [by_id[link.student_id]])
    return list(out.values())


def account_of(person: Person) -> User | None:
    return db.session.scalar(select(User).where(User.person_id == person.id))


def issue(person: Person, reset: bool) -> tuple[User, str | None]:
    """The person's account with a new one-time password: created when missing; an existing account gets a new
    password only when reset is asked for (None otherwise: nothing to print)."""
    user = account_of(person)
    if user is None:
        password = one_time_password()
        user = User(person=person, username=suggest_username(person), password_hash=hash_password(password),
                    must_change_password=True)
        db.session.add(user)
        db.session.flush()
        audit.record("account_created", f"user {user.id}", f"{person.full_name}; username: {user.username}")
        return user, password
    if not reset:
        return user, None
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.end_sessions()
    audit.record("password_reset", f"user {user.id}", f"{person.full_name}; one-time password issued")
    return user, password


def slips(klass: SchoolClass, person_ids: set[int], reset: bool) -> list[Slip]:
    """Accounts and one-time passwords for the chosen people of the class, in the family's statement language.
    Raises PeopleError for a person who is not of this class (a forged id)."""
    family = {p.id: (p, kind, kids) for p, kind, kids in class_family(klass)}
    if not person_ids or person_ids - set(family):
        raise PeopleError(_("Choose people of this class."))
    out = []
    for pid in sorted(person_ids, key=lambda i: (family[i][1] == "parent", family[i][0].surname, family[i][0].name)):
        person, kind, kids = family[pid]
        user, password = issue(person, reset)
        if password is None:
            continue
        out.append(Slip(person, user.username, password, kids[0].statement_language, kind,
                        [k.person.full_name for k in kids] if kind == "parent" else []))
    return out


def rename_account(user: User, username: str) -> None:
    username = check_username(username, except_user_id=user.id)
    if username != user.username:
        audit.record("username_changed", f"user {user.id}", f"username: {user.username} → {username}")
        user.username = username


def today() -> dt.date:
    return clock.today()
