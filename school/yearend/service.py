"""Closing the school year (перевод из класса в класс, 000 п. 4.6).

The year is closed when every period mark and year mark it needs is there; from then on its register is read-only
(school.register.rules.year_closed_refusal) and still read and printed. The next year is opened in one transaction:
the year, its periods shifted by a year, the promoted classes (grade + 1, same letter) and the students'
enrolments; graduates and leavers keep their ended enrolment, where the secretary records the order number.
Every write here checks, itself, who is writing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from school import access, audit, clock
from school.extensions import db
from school.models import (AcademicYear, Course, Enrolment, Period, PeriodMark, Person, SchoolClass, Student,
                           Subgroup, SubgroupMember, User)
from school.people.service import default_marks_from
from school.register import calendar
from school.register.lessons import teachers
from school.register.roster import RosterRow, roster

LAST_GRADE = 11
EARLY_LEAVING_GRADE = 9   # the students choose: grade 10, or leave with the basic certificate
CHOICES = ("promote", "graduate", "leave")


class YearEndError(Exception):
    """The action cannot be done as asked; messages say why, in the user's language."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else messages
        super().__init__("; ".join(self.messages))


# ---------------------------------------------------------------- which years

def years() -> list[AcademicYear]:
    return db.session.scalars(select(AcademicYear).order_by(AcademicYear.first_day)).all()


def year_to_close() -> AcademicYear | None:
    """The earliest year not closed that has begun: the one whose marks the page checks."""
    return db.session.scalar(select(AcademicYear).where(AcademicYear.closed_at.is_(None),
                                                        AcademicYear.first_day <= clock.today())
                             .order_by(AcademicYear.first_day).limit(1))


def next_year_of(year: AcademicYear) -> AcademicYear | None:
    return db.session.scalar(select(AcademicYear).where(AcademicYear.first_day > year.last_day)
                             .order_by(AcademicYear.first_day).limit(1))


def last_closed_year() -> AcademicYear | None:
    return db.session.scalar(select(AcademicYear).where(AcademicYear.closed_at.is_not(None))
                             .order_by(AcademicYear.first_day.desc()).limit(1))


def a_year_later(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def year_name(first: dt.date, last: dt.date) -> str:
    return f"{first.year}/{last.year}" if first.year != last.year else str(first.year)


# ---------------------------------------------------------------- what is missing

@dataclass
class StudentGap:
    label: str
    periods: list[int]      # numbers of the periods without a mark
    year_mark: bool         # the year mark is missing


@dataclass
class CourseGap:
    course: Course
    students: list[StudentGap] = field(default_factory=list)
    no_periods: bool = False


def completeness(year: AcademicYear) -> list[CourseGap]:
    """Per course that takes marks, the students of the year's last day without a period mark of a period they
    were in, or without the year mark. Unmarked and unattested courses need none; grade 1 and the unmarked half of
    grade 2 neither (a period needs marks when the class is marked on its last day)."""
    periods: dict[str, list[Period]] = {}
    for p in db.session.scalars(select(Period).where(Period.year_id == year.id).order_by(Period.number)):
        periods.setdefault(p.scheme, []).append(p)
    given = set(db.session.execute(
        select(PeriodMark.course_id, PeriodMark.student_id, PeriodMark.kind, PeriodMark.period_id)
        .join(Course, Course.id == PeriodMark.course_id)
        .where(Course.year_id == year.id, PeriodMark.kind.in_(("period", "year")))).all())
    rosters: dict[tuple, list[RosterRow]] = {}

    def members(course: Course, first: dt.date, last: dt.date) -> set[int]:
        key = (course.class_id, course.subgroup_id, first, last)
        if key not in rosters:
            rosters[key] = roster(course.class_id, course.subgroup_id, first, last)
        return {r.student_id for r in rosters[key]}

    gaps: list[CourseGap] = []
    courses = db.session.scalars(select(Course).join(SchoolClass, SchoolClass.id == Course.class_id)
                                 .where(Course.year_id == year.id)
                                 .order_by(SchoolClass.grade, SchoolClass.letter, Course.subject_id, Course.id)).all()
    for course in courses:
        if not course.attested or course.assessment == "unmarked":
            continue
        scheme = periods.get(course.school_class.period_scheme, [])
        if not scheme:
            if calendar.class_is_marked(course.school_class, year.last_day):
                gaps.append(CourseGap(course, no_periods=True))
            continue
        key = (course.class_id, course.subgroup_id, year.last_day, year.last_day)
        at_end = members(course, year.last_day, year.last_day)
        labels = {r.student_id: r.label for r in rosters[key]}
        missing: dict[int, StudentGap] = {}
        for p in scheme:
            if not calendar.course_takes_marks(course, p.last_day):
                continue
            for sid in members(course, p.first_day, p.last_day) & at_end:
                if (course.id, sid, "period", p.id) not in given:
                    missing.setdefault(sid, StudentGap(labels[sid], [], False)).periods.append(p.number)
        if calendar.course_takes_marks(course, scheme[-1].last_day):
            for sid in at_end:
                if (course.id, sid, "year", None) not in given:
                    missing.setdefault(sid, StudentGap(labels[sid], [], False)).year_mark = True
        if missing:
            gaps.append(CourseGap(course, sorted(missing.values(), key=lambda g: g.label)))
    return gaps


def teaching_over(year: AcademicYear) -> bool:
    """The year's last reporting period has ended (or it has none)."""
    last = db.session.scalar(select(Period.last_day).where(Period.year_id == year.id)
                             .order_by(Period.last_day.desc()).limit(1))
    return last is None or last <= clock.today()


# ---------------------------------------------------------------- closing

def close_year(user: User, year_id: int) -> AcademicYear:
    """Close the year: refused while a mark is missing or its last period runs; closing twice changes nothing."""
    if not access.is_admin(user):
        raise YearEndError(_("Only the administrator of the register closes the school year."))
    # The row is locked (PostgreSQL) so that a second close waits and then finds the year closed.
    year = db.session.scalar(select(AcademicYear).where(AcademicYear.id == year_id).with_for_update())
    if year is None:
        raise YearEndError(_("Nothing was found at this address."))
    if year.closed_at is not None:
        return year
    if not teaching_over(year):
        raise YearEndError(_("The last reporting period of %(name)s has not ended yet.", name=year.name))
    gaps = completeness(year)
    if gaps:
        count = sum(len(g.students) or 1 for g in gaps)
        raise YearEndError(ngettext("The year cannot be closed: marks are missing (%(num)d entry in the list).",
                                    "The year cannot be closed: marks are missing (%(num)d entries in the list).",
                                    count))
    year.closed_at = clock.now()
    audit.record("year_closed", f"year:{year.id}", year.name, user_id=user.id)
    db.session.commit()
    return year


# ---------------------------------------------------------------- the next year

def choices_for(grade: int) -> tuple[str, ...]:
    if grade >= LAST_GRADE:
        return ("graduate",)
    if grade == EARLY_LEAVING_GRADE:
        return ("promote", "graduate", "leave")
    return ("promote", "leave")


def default_choice(grade: int) -> str:
    return choices_for(grade)[0]


@dataclass
class ClassPlan:
    school_class: SchoolClass
    students: list[RosterRow]


def promotion_plan(year: AcademicYear) -> list[ClassPlan]:
    """The year's classes with the students enrolled on its last day."""
    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)
                                 .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    return [ClassPlan(c, [r for r in roster(c.id, None, year.last_day, year.last_day) if r.enrolled(year.last_day)])
            for c in classes]


def teacher_ids() -> set[int]:
    return {t.id for t in teachers()}


def open_next_year(user: User, year_id: int, first: dt.date, last: dt.date, class_teachers: dict[int, int | None],
                   outcomes: dict[int, str]) -> AcademicYear:
    """Open the year after a closed one, all in one transaction: the year (made current), its periods shifted by a
    year, the promoted classes with their class teachers (class_teachers: old class id -> user id or None; a class
    not named keeps its teacher) and the enrolments (outcomes: student id -> promote / graduate / leave; a student
    not named gets the grade's default). Refused, with nothing written, when the next year is already open."""
    if not access.is_admin(user):
        raise YearEndError(_("Only the administrator of the register opens the next school year."))
    year = db.session.get(AcademicYear, year_id)
    if year is None:
        raise YearEndError(_("Nothing was found at this address."))
    if year.closed_at is None:
        raise YearEndError(_("Close the year %(name)s before opening the next one.", name=year.name))
    following = next_year_of(year)
    if following is not None:
        raise YearEndError(_("The next year %(name)s is already open.", name=following.name))
    errors = []
    if not first < last:
        errors.append(_("The year's first day must come before its last day."))
    elif first <= year.last_day:
        errors.append(_("The new year must begin after %(name)s ends.", name=year.name))
    elif (last - first).days > 366:
        errors.append(_("A school year lasts at most a year."))
    name = year_name(first, last)
    if not errors and db.session.scalar(select(exists().where(AcademicYear.name == name))):
        errors.append(_("Another academic year is already called %(name)s.", name=name))
    plan = promotion_plan(year)
    allowed_teachers = teacher_ids()
    for cp in plan:
        klass = cp.school_class
        teacher = class_teachers.get(klass.id, klass.class_teacher_id)
        if teacher is not None and teacher not in allowed_teachers and teacher != klass.class_teacher_id:
            errors.append(_("Choose the class teacher of %(label)s from the list.", label=klass.label))
        for row in cp.students:
            if outcomes.get(row.student_id, default_choice(klass.grade)) not in choices_for(klass.grade):
                errors.append(_("%(name)s (%(label)s): choose what follows the year from the list.",
                                name=row.label, label=klass.label))
    if errors:
        raise YearEndError(errors)
    try:
        new = _write_next_year(user, year, name, first, last, plan, class_teachers, outcomes)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise YearEndError(_("The next year is already open.")) from None
    return new


def _write_next_year(user, year, name, first, last, plan, class_teachers, outcomes) -> AcademicYear:
    # One current year (a partial unique index): the old flag goes before the new one is set.
    db.session.execute(update(AcademicYear).where(AcademicYear.is_current.is_(True)).values(is_current=False)
                       .execution_options(synchronize_session=False))
    db.session.flush()
    new = AcademicYear(name=name, first_day=first, last_day=last, is_current=True)
    db.session.add(new)
    db.session.flush()
    audit.record("year_created", f"year:{new.id}", f"{first} – {last} (after {year.name})", user_id=user.id)
    schemes: dict[str, list[Period]] = {}
    for p in db.session.scalars(select(Period).where(Period.year_id == year.id).order_by(Period.scheme,
                                                                                         Period.number)):
        a, b = max(a_year_later(p.first_day), first), min(a_year_later(p.last_day), last)
        if a < b:
            shifted = Period(year_id=new.id, scheme=p.scheme, number=len(schemes.get(p.scheme, [])) + 1,
                             first_day=a, last_day=b)
            db.session.add(shifted)
            schemes.setdefault(p.scheme, []).append(shifted)
    db.session.flush()
    promoted_to: dict[int, SchoolClass] = {}
    for cp in plan:
        klass = cp.school_class
        promoted = [r for r in cp.students if outcomes.get(r.student_id, default_choice(klass.grade)) == "promote"]
        if klass.grade >= LAST_GRADE or (klass.grade == EARLY_LEAVING_GRADE and not promoted):
            continue
        grade = klass.grade + 1
        successor = SchoolClass(year_id=new.id, grade=grade, letter=klass.letter,
                                class_teacher_id=class_teachers.get(klass.id, klass.class_teacher_id),
                                period_scheme=klass.period_scheme,
                                marks_from=default_marks_from(grade, first, schemes.get(klass.period_scheme, [])))
        db.session.add(successor)
        db.session.flush()
        promoted_to[klass.id] = successor
        audit.record("class_promoted", f"class {klass.id}", f"{klass.label} → {successor.label}", user_id=user.id)
    old_classes = [cp.school_class.id for cp in plan]
    if old_classes:
        # Every stay in the old classes ends with the old year at the latest; so do subgroup memberships.
        open_end = or_(Enrolment.to_day.is_(None), Enrolment.to_day > year.last_day)
        db.session.execute(update(Enrolment).where(Enrolment.class_id.in_(old_classes), Enrolment.from_day
                                                   <= year.last_day, open_end).values(to_day=year.last_day)
                           .execution_options(synchronize_session=False))
        subgroups = select(Subgroup.id).where(Subgroup.class_id.in_(old_classes)).scalar_subquery()
        db.session.execute(update(SubgroupMember).where(
            SubgroupMember.subgroup_id.in_(subgroups), SubgroupMember.from_day <= year.last_day,
            or_(SubgroupMember.to_day.is_(None), SubgroupMember.to_day > year.last_day))
            .values(to_day=year.last_day).execution_options(synchronize_session=False))
    for cp in plan:
        successor = promoted_to.get(cp.school_class.id)
        for row in cp.students:
            if successor is not None and outcomes.get(row.student_id,
                                                      default_choice(cp.school_class.grade)) == "promote":
                db.session.add(Enrolment(student_id=row.student_id, class_id=successor.id, from_day=first))
    db.session.flush()
    return new


# ---------------------------------------------------------------- graduates and leavers

@dataclass
class Leaver:
    enrolment: Enrolment
    label: str
    class_label: str
    graduate: bool


def leavers(year: AcademicYear) -> list[Leaver]:
    """The students whose stay in a class of the year ended on its last day and who are in no class of the next
    year: graduates (grades 9 and 11) and leavers."""
    following = next_year_of(year)
    if following is None:
        return []
    later = aliased(Enrolment)
    later_class = aliased(SchoolClass)
    goes_on = exists().where(later.student_id == Enrolment.student_id, later.class_id == later_class.id,
                             later_class.year_id == following.id)
    rows = db.session.execute(
        select(Enrolment, Person.surname, Person.name, SchoolClass.grade, SchoolClass.letter)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id).join(Student, Student.id == Enrolment.student_id)
        .join(Person, Person.id == Student.person_id)
        .where(SchoolClass.year_id == year.id, Enrolment.to_day == year.last_day, ~goes_on)
        .order_by(SchoolClass.grade, SchoolClass.letter, Person.surname, Person.name, Enrolment.id)).all()
    return [Leaver(e, f"{surname} {name}", f"{grade}-{letter}", grade in (EARLY_LEAVING_GRADE, LAST_GRADE))
            for e, surname, name, grade, letter in rows]


def may_record_leavers(user: User) -> bool:
    return bool(access.user_roles(user) & {"admin", "secretary"})


def record_leavers(user: User, year: AcademicYear, rows: list[dict]) -> int:
    """The order number (≤ 40 characters) and the reason of each graduate's or leaver's last enrolment; rows are
    {"enrolment_id", "order_out", "reason"}. Returns how many changed."""
    if not may_record_leavers(user):
        raise YearEndError(_("Only the secretary or the administrator records graduates and leavers."))
    known = {lv.enrolment.id: lv.enrolment for lv in leavers(year)}
    changed = 0
    errors = []
    for row in rows:
        enrolment = known.get(row["enrolment_id"])
        if enrolment is None:
            errors.append(_("This student is not among the year's graduates and leavers."))
            continue
        order = (row["order_out"] or "").strip() or None
        reason = (row["reason"] or "").strip() or None
        if order is not None and len(order) > 40:
            errors.append(_("The order number is too long: at most %(n)d characters.", n=40))
        if reason is not None and len(reason) > 300:
            errors.append(_("The reason is too long: at most %(n)d characters.", n=300))
        if (order, reason) != (enrolment.order_out, enrolment.reason):
            audit.record("student_left", f"enrolment:{enrolment.id}",
                         f"{enrolment.order_out or '-'} → {order or '-'}: {reason or ''}"[:500], user_id=user.id)
            enrolment.order_out, enrolment.reason = order, reason
            changed += 1
    if errors:
        db.session.rollback()
        raise YearEndError(sorted(set(errors), key=errors.index))
    db.session.commit()
    return changed


def year_classes(year_id: int) -> list[tuple[SchoolClass, list[Course]]]:
    """A year's classes with their courses (the year switch of the administration's pages)."""
    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year_id)
                                 .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    courses: dict[int, list[Course]] = {c.id: [] for c in classes}
    for course in db.session.scalars(select(Course).where(Course.year_id == year_id)
                                     .order_by(Course.subject_id, Course.id)):
        courses.setdefault(course.class_id, []).append(course)
    return [(c, courses[c.id]) for c in classes]

