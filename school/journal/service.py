"""Rules of the register, enforced on the server: who may write, the edit window, unmarked classes,
kinds of work, versions and the change log. Routes call these; tests call them without HTTP."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError

from school import clock, grading
from school.extensions import db
from school.models import (Attendance, Course, EditUnlock, Enrolment, Holiday, Lesson, Mark, MarkChange, Period,
                           PeriodMark, PeriodMarkChange, PlanItem, ScaleValue, SchoolClass, SubgroupMember,
                           TimetableSlot, User, WorkKind)
from school.queries import school_settings

ATTENDANCE_ACTIONS = ("absent", "late", "ill", "excused")


class JournalError(Exception):
    """A refused change: a translated message and the HTTP status of the conventions."""
    status = 422

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Conflict(JournalError):
    status = 409


class NotFound(JournalError):
    status = 404


# ---------------------------------------------------------------- scale and kinds of work

def scale_entries(scale: str | None = None) -> dict[str, grading.ScaleEntry]:
    """The codes of a scale; reference data that only a migration changes, so kept per process."""
    scale = scale or school_settings().scale
    cache = current_app.extensions.setdefault("defter_scales", {})
    if scale not in cache:
        rows = db.session.scalars(select(ScaleValue).where(ScaleValue.scale == scale)
                                  .order_by(ScaleValue.position)).all()
        cache[scale] = {r.code: grading.ScaleEntry(r.code, r.value, r.counts_in_average, r.for_lesson,
                                                   r.for_period, r.pass_fail) for r in rows}
    return cache[scale]


def lesson_codes(course: Course) -> list[str]:
    """Codes a teacher may give for a lesson of this course (зач/незач for a pass/fail course)."""
    entries = scale_entries().values()
    if course.assessment == "pass_fail":
        return [e.code for e in entries if e.pass_fail]
    return [e.code for e in entries if e.value is not None]


def period_codes(course: Course) -> list[str]:
    entries = scale_entries().values()
    if course.assessment == "unmarked":  # безотметочное обучение: no numbers, no pass/fail
        return [e.code for e in entries if e.value is None and not e.pass_fail]
    if course.assessment == "pass_fail":
        return [e.code for e in entries if e.pass_fail or (e.value is None and not e.pass_fail)]
    return [e.code for e in entries if not e.pass_fail]


def work_kinds() -> list[WorkKind]:
    """Kinds of work: reference data (a migration changes them), read once per process; callers only read
    their ids, names and weights."""
    cache = current_app.extensions
    if "defter_work_kinds" not in cache:
        kinds = db.session.scalars(select(WorkKind).order_by(WorkKind.id)).all()
        for k in kinds:
            db.session.expunge(k)
        cache["defter_work_kinds"] = kinds
    return cache["defter_work_kinds"]


# ---------------------------------------------------------------- who may do what

def can_write_lesson(user: User, lesson: Lesson, course: Course) -> bool:
    return course.teacher_id == user.id or lesson.substitute_id == user.id


def is_class_teacher(user: User, class_id: int) -> bool:
    return db.session.scalar(select(exists().where(SchoolClass.id == class_id,
                                                   SchoolClass.class_teacher_id == user.id)))


def can_read_course(user: User, course: Course, roles: frozenset[str]) -> bool:
    if course.teacher_id == user.id or roles & {"admin", "director", "deputy"}:
        return True
    if course.school_class.class_teacher_id == user.id:
        return True
    return db.session.scalar(select(exists().where(Lesson.course_id == course.id, Lesson.substitute_id == user.id)))


# ---------------------------------------------------------------- dates

def class_is_marked(school_class: SchoolClass, day: dt.date) -> bool:
    """Grade 1 never; grade 2 from its marks_from date (001 п. 3.9)."""
    return school_class.marks_from is not None and day >= school_class.marks_from


def course_takes_marks(course: Course, day: dt.date) -> bool:
    return course.attested and course.assessment != "unmarked" and class_is_marked(course.school_class, day)


def edit_window_refusal(course: Course, day: dt.date) -> str | None:
    """None when the day may be edited today; otherwise the translated reason."""
    today = clock.today()
    if day > today:
        return _("This lesson is in the future: nothing can be entered yet.")
    window = school_settings().edit_window_days
    if (today - day).days <= window:
        return None
    now = clock.now()
    unlocked = db.session.scalar(select(exists().where(
        or_(EditUnlock.course_id == course.id, EditUnlock.class_id == course.class_id),
        EditUnlock.first_day <= day, EditUnlock.last_day >= day, EditUnlock.until > now)))
    if unlocked:
        return None
    return _("The edit window of %(days)d days has closed for %(date)s. Ask the administrator to open this day.",
             days=window, date=format_date(day, "short"))


def editable_days(course: Course, days) -> dict[dt.date, bool]:
    """edit_window_refusal(...) is None for each day, with the opened days read once (the grid's columns)."""
    today, window = clock.today(), school_settings().edit_window_days
    now = clock.now()
    unlocks = db.session.execute(select(EditUnlock.first_day, EditUnlock.last_day).where(
        or_(EditUnlock.course_id == course.id, EditUnlock.class_id == course.class_id),
        EditUnlock.until > now)).all()
    return {d: d <= today and ((today - d).days <= window or any(a <= d <= b for a, b in unlocks)) for d in days}


def periods_for(course: Course) -> list[Period]:
    return db.session.scalars(select(Period).where(Period.year_id == course.year_id,
                                                   Period.scheme == course.school_class.period_scheme)
                              .order_by(Period.number)).all()


def period_containing(periods: list[Period], day: dt.date) -> Period | None:
    for p in periods:
        if p.first_day <= day <= p.last_day:
            return p
    before = [p for p in periods if p.last_day < day]
    return before[-1] if before else (periods[0] if periods else None)


# ---------------------------------------------------------------- roster

@dataclass
class RosterRow:
    student_id: int
    surname: str
    name: str
    from_day: dt.date            # the first and last day of all stays (for display)
    to_day: dt.date | None
    number: int = 0
    stays: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.surname} {self.name}"

    def enrolled(self, day: dt.date) -> bool:
        """In the class (or subgroup) on that day: a student who left and came back is not, in between."""
        return any(a <= day and (b is None or day <= b) for a, b in self.stays)


def roster(class_id: int, subgroup_id: int | None, first: dt.date, last: dt.date,
           student_id: int | None = None) -> list[RosterRow]:
    """Students of a class (or one subgroup of it) at any time between first and last, by surname."""
    from school.models import Person, Student

    if subgroup_id:
        stmt = (select(SubgroupMember.student_id, Person.surname, Person.name, SubgroupMember.from_day,
                       SubgroupMember.to_day, Enrolment.from_day, Enrolment.to_day)
                .join(Student, Student.id == SubgroupMember.student_id).join(Person, Person.id == Student.person_id)
                .join(Enrolment, and_(Enrolment.student_id == Student.id, Enrolment.class_id == class_id))
                .where(SubgroupMember.subgroup_id == subgroup_id,
                       SubgroupMember.from_day <= last,
                       or_(SubgroupMember.to_day.is_(None), SubgroupMember.to_day >= first)))
    else:
        stmt = (select(Enrolment.student_id, Person.surname, Person.name, Enrolment.from_day, Enrolment.to_day)
                .join(Student, Student.id == Enrolment.student_id).join(Person, Person.id == Student.person_id))
    if student_id is not None:
        stmt = stmt.where(Enrolment.student_id == student_id)
    stmt = stmt.where(Enrolment.class_id == class_id, Enrolment.from_day <= last,
                      or_(Enrolment.to_day.is_(None), Enrolment.to_day >= first))
    rows: dict[int, RosterRow] = {}
    for r in db.session.execute(stmt):
        start, end = r[3], r[4]
        if len(r) > 5:  # subgroup membership within the enrolment
            start = max(start, r[5])
            end = min(d for d in (end, r[6]) if d is not None) if (end or r[6]) else None
            if end is not None and start > end:
                continue
        row = rows.get(r[0])
        if row is None:
            rows[r[0]] = RosterRow(r[0], r[1], r[2], start, end, stays=[(start, end)])
        else:  # several stays in the class: span them all for display, keep each for enrolled()
            row.stays.append((start, end))
            row.from_day = min(row.from_day, start)
            row.to_day = None if (row.to_day is None or end is None) else max(row.to_day, end)
    ordered = sorted(rows.values(), key=lambda x: (x.surname, x.name, x.student_id))
    for i, row in enumerate(ordered, 1):
        row.number = i
    return ordered


# ---------------------------------------------------------------- lessons from the timetable

def ensure_lessons(course: Course, first: dt.date, last: dt.date) -> None:
    """Create the lessons the timetable gives between first and last, up to today, on school days of the
    class's periods (never in holidays or the summer), once. A lesson's topic comes from the thematic plan
    by its place among all the course's timetabled lessons of the year (a plan item of n hours covers n)."""
    last = min(last, clock.today())
    if last < first:
        return
    slots = db.session.scalars(select(TimetableSlot).where(TimetableSlot.course_id == course.id)).all()
    periods = periods_for(course)
    if not slots or not periods:
        return
    holidays = db.session.execute(select(Holiday.first_day, Holiday.last_day).where(
        Holiday.year_id == course.year_id)).all()
    existing = set(db.session.execute(select(Lesson.day, Lesson.number).where(
        Lesson.course_id == course.id, Lesson.day >= first, Lesson.day <= last)).all())
    plan = [item.topic for item in db.session.scalars(select(PlanItem).where(PlanItem.course_id == course.id)
                                                      .order_by(PlanItem.position)) for _ in range(item.hours)]
    ordered = sorted(slots, key=lambda s: s.lesson_number)
    day, position, new = periods[0].first_day, 0, []
    while day <= last:
        if any(p.first_day <= day <= p.last_day for p in periods) and not any(a <= day <= b for a, b in holidays):
            for slot in ordered:
                if slot.weekday == day.isoweekday() and slot.valid_from <= day and (
                        slot.valid_to is None or day <= slot.valid_to):
                    if day >= first and (day, slot.lesson_number) not in existing:
                        new.append(Lesson(course_id=course.id, day=day, number=slot.lesson_number, state="held",
                                          topic=plan[position] if position < len(plan) else None))
                    position += 1
        day += dt.timedelta(days=1)
    if new:
        db.session.add_all(new)
        try:
            db.session.commit()
        except IntegrityError:  # another request created them at the same moment
            db.session.rollback()


# ---------------------------------------------------------------- the grid's data

@dataclass
class Cell:
    marks: list[Mark] = field(default_factory=list)
    attendance: Attendance | None = None

    @property
    def version(self) -> str:
        """What a save must have seen: each mark slot's version, then the attendance's ("1.2-0")."""
        by_slot = {m.slot: m.version for m in self.marks}
        top = max(by_slot, default=1)
        marks = ".".join(str(by_slot.get(slot, 0)) for slot in range(1, top + 1))
        return f"{marks}-{self.attendance.version if self.attendance else 0}"


@dataclass
class RowStats:
    count: int
    average: Decimal | None
    suggestion: str | None


def row_stats(marks: list[Mark]) -> RowStats:
    entries = scale_entries()
    values = [(entries[m.code].value if entries[m.code].counts_in_average else None, m.weight) for m in marks]
    average = grading.weighted_average(values)
    low, high = grading.scale_bounds(entries.values())
    return RowStats(len(marks), average, grading.suggest(average, school_settings().round_up_from, low, high))


def grid(course: Course, period: Period) -> dict:
    ensure_lessons(course, period.first_day, period.last_day)
    lessons = db.session.scalars(select(Lesson).where(
        Lesson.course_id == course.id, Lesson.day >= period.first_day, Lesson.day <= period.last_day)
        .order_by(Lesson.day, Lesson.number)).all()
    students = roster(course.class_id, course.subgroup_id, period.first_day, period.last_day)
    lesson_ids = [les.id for les in lessons]
    cells: dict[tuple[int, int], Cell] = {}
    marks_by_student: dict[int, list[Mark]] = {}
    if lesson_ids:
        for m in db.session.scalars(select(Mark).where(Mark.lesson_id.in_(lesson_ids)).order_by(Mark.slot)):
            cells.setdefault((m.lesson_id, m.student_id), Cell()).marks.append(m)
            marks_by_student.setdefault(m.student_id, []).append(m)
        for a in db.session.scalars(select(Attendance).where(Attendance.lesson_id.in_(lesson_ids))):
            cells.setdefault((a.lesson_id, a.student_id), Cell()).attendance = a
    period_marks = {pm.student_id: pm for pm in db.session.scalars(select(PeriodMark).where(
        PeriodMark.course_id == course.id, PeriodMark.kind == "period", PeriodMark.period_id == period.id))}
    stats = {s.student_id: row_stats(marks_by_student.get(s.student_id, [])) for s in students}
    return dict(lessons=lessons, students=students, cells=cells, stats=stats, period_marks=period_marks)


def cell_of(lesson: Lesson, student_id: int) -> Cell:
    """The cell's marks and attendance in one query (every save reads it first)."""
    rows = db.session.execute(
        select(Mark, Attendance).select_from(Lesson)
        .outerjoin(Mark, and_(Mark.lesson_id == Lesson.id, Mark.student_id == student_id))
        .outerjoin(Attendance, and_(Attendance.lesson_id == Lesson.id, Attendance.student_id == student_id))
        .where(Lesson.id == lesson.id).order_by(Mark.slot)).all()
    cell = Cell()
    cell.marks = [m for m, _a in rows if m is not None]
    cell.attendance = next((a for _m, a in rows if a is not None), None)
    return cell


def student_stats(course: Course, period: Period, student_id: int) -> RowStats:
    marks = db.session.scalars(select(Mark).join(Lesson, Lesson.id == Mark.lesson_id).where(
        Lesson.course_id == course.id, Lesson.day >= period.first_day, Lesson.day <= period.last_day,
        Mark.student_id == student_id)).all()
    return row_stats(marks)


def stats_around(course: Course, day: dt.date, student_id: int) -> RowStats | None:
    """The row's figures for the period that holds `day`, in one query (a save's out-of-band answer)."""
    period = select(Period.first_day, Period.last_day).where(
        Period.year_id == course.year_id, Period.scheme == course.school_class.period_scheme,
        Period.first_day <= day, Period.last_day >= day).subquery()
    # Plain rows (code, weight), not Mark objects: row_stats reads only those two.
    rows = db.session.execute(select(Mark.code, Mark.weight).join(Lesson, Lesson.id == Mark.lesson_id).join(
        period, and_(Lesson.day >= period.c.first_day, Lesson.day <= period.c.last_day)).where(
        Lesson.course_id == course.id, Mark.student_id == student_id)).all()
    if not rows and not db.session.execute(select(period.c.first_day)).first():
        return None
    return row_stats(rows)


# ---------------------------------------------------------------- saving a cell

def _roster_row(course: Course, lesson: Lesson, student_id: int) -> RosterRow:
    """The student's place in this course around the lesson's date; a forged id is a 404."""
    for row in roster(course.class_id, course.subgroup_id, lesson.day - dt.timedelta(days=366),
                      lesson.day + dt.timedelta(days=366), student_id):
        if row.student_id == student_id:
            return row
    raise NotFound(_("Nothing was found at this address."))


def save_cell(user: User, lesson: Lesson, student_id: int, action: str, version: str, slot: int = 1,
              work_kind_id: int | None = None, comment: str | None = None) -> Cell:
    """Set a mark (a scale code), an attendance code, or clear the cell. Raises JournalError.
    comment: None keeps the mark's comment; "" removes it."""
    course = lesson.course
    row = _roster_row(course, lesson, student_id)
    if not row.enrolled(lesson.day):
        raise JournalError(_("%(name)s is not in this class on %(date)s.", name=row.label,
                             date=format_date(lesson.day, "short")))
    if lesson.state == "cancelled":
        raise JournalError(_("The lesson was cancelled: nothing can be entered for it."))
    refusal = edit_window_refusal(course, lesson.day)
    if refusal:
        raise JournalError(refusal)
    if slot not in (1, 2, 3):
        raise JournalError(_("Unknown mark position."))
    cell = cell_of(lesson, student_id)
    if version != cell.version and not _already(cell, action, slot):
        raise Conflict(_("Someone else changed this cell in the meantime. The current value is shown; "
                         "enter yours again if it is still right."))
    now = clock.now()
    if action in ATTENDANCE_ACTIONS:
        if cell.attendance is None:
            cell.attendance = Attendance(lesson_id=lesson.id, student_id=student_id, code=action, set_by=user.id,
                                         set_at=now, version=1)
            db.session.add(cell.attendance)
        elif cell.attendance.code != action:
            if cell.attendance.reason and action != "late":
                raise JournalError(_("The class teacher has recorded the reason of this absence: "
                                     "ask them before changing it."))
            cell.attendance.code, cell.attendance.set_by, cell.attendance.set_at = action, user.id, now
            if action == "late":  # a late arrival has no reason
                cell.attendance.reason = cell.attendance.reason_by = cell.attendance.reason_at = None
            cell.attendance.version += 1
    elif action == "clear":
        # Backspace (slot 1) empties the cell; the picker's "second mark" clear takes that slot and after.
        for mark in [m for m in cell.marks if m.slot >= slot]:
            _log_change(lesson, student_id, mark.slot, mark.code, None, user, now)
            db.session.delete(mark)
            cell.marks.remove(mark)
        if cell.attendance is not None and slot == 1:
            if cell.attendance.reason:
                db.session.rollback()
                raise JournalError(_("The class teacher has recorded the reason of this absence: "
                                     "ask them before changing it."))
            db.session.delete(cell.attendance)
            cell.attendance = None
    else:
        _set_mark(user, lesson, course, cell, student_id, action, slot, work_kind_id, comment, now)
    _commit_or_conflict()
    return cell


def _commit_or_conflict() -> None:
    """Two first saves of one cell at once: the loser gets a 409 with the current value, never a 500."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Someone else changed this cell in the meantime. The current value is shown; "
                         "enter yours again if it is still right."))


def _already(cell: Cell, action: str, slot: int) -> bool:
    """A retried save whose first attempt did arrive finds the cell as it wanted it: not a conflict."""
    mark = next((m for m in cell.marks if m.slot == slot), None)
    if action in ATTENDANCE_ACTIONS:
        return cell.attendance is not None and cell.attendance.code == action
    if action == "clear":
        return not any(m.slot >= slot for m in cell.marks) and (slot != 1 or cell.attendance is None)
    return mark is not None and mark.code == action


def _set_mark(user, lesson, course, cell, student_id, code, slot, work_kind_id, comment, now) -> None:
    from school.models.register import COMMENT_MAX
    if comment is not None:
        comment = comment.strip()
        if len(comment) > COMMENT_MAX:
            raise JournalError(_("The comment is too long: at most %(n)d characters.", n=COMMENT_MAX))
    if not course.attested:
        raise JournalError(_("This subject is taught without attestation: it takes no marks."))
    if not course_takes_marks(course, lesson.day):
        raise JournalError(_("This class is taught without marks on this date: only attendance, topics and notes."))
    if code not in lesson_codes(course):
        entry = scale_entries().get(code)
        if entry is not None and not entry.for_lesson:
            raise JournalError(_("«%(code)s» is given for a reporting period, not for a lesson.", code=code))
        raise JournalError(_("«%(code)s» is not a mark of this course.", code=code[:10]))
    existing = next((m for m in cell.marks if m.slot == slot), None)
    # A mark keeps its kind of work unless one is chosen; a new mark takes the lesson's.
    kind_id = work_kind_id or (existing.work_kind_id if existing else None) or lesson.work_kind_id
    kinds = {k.id: k for k in work_kinds()}
    if kind_id is None:
        kind_id = next(k.id for k in kinds.values() if k.code == "answer")
    if kind_id not in kinds:
        raise JournalError(_("Choose the kind of work for this mark."))
    mark = existing
    if mark is None:
        if slot > 1 and not any(m.slot == slot - 1 for m in cell.marks):
            raise JournalError(_("Give the first mark before a second one."))
        mark = Mark(lesson_id=lesson.id, student_id=student_id, slot=slot, scale=school_settings().scale, code=code,
                    work_kind_id=kind_id, weight=kinds[kind_id].weight, comment=comment or None, author_id=user.id,
                    created_at=now, updated_at=now, version=1)
        db.session.add(mark)
        cell.marks.append(mark)
        cell.marks.sort(key=lambda m: m.slot)
    elif mark.code != code or mark.work_kind_id != kind_id or (comment is not None and comment != (mark.comment or "")):
        if mark.code != code or mark.work_kind_id != kind_id:
            _log_change(lesson, student_id, slot, mark.code, code, user, now)
        mark.code, mark.work_kind_id, mark.weight = code, kind_id, kinds[kind_id].weight
        if comment is not None:
            mark.comment = comment or None
        mark.author_id, mark.updated_at = user.id, now
        mark.version += 1


def _log_change(lesson, student_id, slot, old, new, user, now) -> None:
    db.session.add(MarkChange(lesson_id=lesson.id, student_id=student_id, slot=slot, old_code=old, new_code=new,
                              changed_by=user.id, changed_at=now,
                              reason=_("entered by a substitute") if lesson.substitute_id == user.id else None))


# ---------------------------------------------------------------- the class teacher's reasons

def set_reason(user: User, attendance: Attendance, reason: str, version: int) -> Attendance:
    if reason not in ("ill", "excused", "unexcused", "clear"):
        raise JournalError(_("Unknown reason."))
    if attendance.code == "late" and reason != "clear":
        raise JournalError(_("A late arrival needs no reason."))
    if version != attendance.version:
        raise Conflict(_("Someone else changed this cell in the meantime. The current value is shown; "
                         "enter yours again if it is still right."))
    if reason == "clear":
        attendance.reason = attendance.reason_by = attendance.reason_at = None
    else:
        attendance.reason, attendance.reason_by, attendance.reason_at = reason, user.id, clock.now()
    attendance.version += 1
    db.session.commit()
    return attendance


# ---------------------------------------------------------------- period marks

def save_period_mark(user: User, course: Course, period: Period, student_id: int, code: str,
                     version: int) -> PeriodMark | None:
    if course.teacher_id != user.id:
        raise NotFound(_("Nothing was found at this address."))
    if not course.attested:
        raise JournalError(_("This subject is taught without attestation: it takes no marks."))
    if not roster(course.class_id, course.subgroup_id, period.first_day, period.last_day, student_id):
        raise NotFound(_("Nothing was found at this address."))
    if period.closed_at is not None:
        raise JournalError(_("This period is closed."))
    if period.first_day > clock.today():
        raise JournalError(_("This period has not started yet."))
    if period.last_day < clock.today():  # after the period: the same edit window, counted from its last day
        refusal = edit_window_refusal(course, period.last_day)
        if refusal:
            raise JournalError(refusal)
    if code != "clear" and code not in period_codes(course):
        raise JournalError(_("«%(code)s» is not a period mark of this course.", code=code[:10]))
    if code != "clear" and not class_is_marked(course.school_class, period.last_day) and code != "безотм":
        raise JournalError(_("This class is taught without marks on this date: only attendance, topics and notes."))
    pm = db.session.scalar(select(PeriodMark).where(PeriodMark.course_id == course.id, PeriodMark.kind == "period",
                                                    PeriodMark.period_id == period.id,
                                                    PeriodMark.student_id == student_id))
    if (pm.version if pm else 0) != version:
        raise Conflict(_("Someone else changed this cell in the meantime. The current value is shown; "
                         "enter yours again if it is still right."))
    now = clock.now()
    if pm is not None and pm.code != code:  # every change of a saved period mark is logged, like a mark's
        db.session.add(PeriodMarkChange(student_id=student_id, course_id=course.id, kind="period",
                                        period_id=period.id, old_code=pm.code,
                                        new_code=None if code == "clear" else code, changed_by=user.id,
                                        changed_at=now))
    if code == "clear":
        if pm is not None:
            db.session.delete(pm)
            pm = None
    elif pm is None:
        pm = PeriodMark(student_id=student_id, course_id=course.id, kind="period", period_id=period.id,
                        scale=school_settings().scale, code=code, set_by=user.id, set_at=now, version=1)
        db.session.add(pm)
    elif pm.code != code:
        pm.code, pm.set_by, pm.set_at = code, user.id, now
        pm.version += 1
    _commit_or_conflict()
    return pm


# ---------------------------------------------------------------- the lesson header

def update_lesson(user: User, lesson: Lesson, topic: str, homework: str, work_kind_id: int | None,
                  substitute_id: int | None, state: str) -> Lesson:
    course = lesson.course
    refusal = edit_window_refusal(course, lesson.day)
    if refusal:
        raise JournalError(refusal)
    topic, homework = (topic or "").strip(), (homework or "").strip()
    from school.models.register import HOMEWORK_MAX, TOPIC_MAX
    if len(topic) > TOPIC_MAX:
        raise JournalError(_("The topic is too long: at most %(n)d characters.", n=TOPIC_MAX))
    if len(homework) > HOMEWORK_MAX:
        raise JournalError(_("The homework is too long: at most %(n)d characters.", n=HOMEWORK_MAX))
    if homework and not class_is_marked(course.school_class, lesson.day):
        raise JournalError(_("No homework is set in this class on this date."))
    if work_kind_id is not None and work_kind_id not in {k.id for k in work_kinds()}:
        raise JournalError(_("Choose the kind of work for this mark."))
    if state not in ("held", "cancelled"):
        raise JournalError(_("Unknown lesson state."))
    if state == "cancelled" and db.session.scalar(select(
            exists().where(Mark.lesson_id == lesson.id) | exists().where(Attendance.lesson_id == lesson.id))):
        raise JournalError(_("This lesson has marks or attendance: remove them before cancelling it."))
    if substitute_id is not None:
        from school.models import StaffRole
        if substitute_id == course.teacher_id or not db.session.scalar(select(exists().where(
                StaffRole.user_id == substitute_id, StaffRole.role == "teacher"))):
            raise JournalError(_("Choose a substitute teacher from the list."))
    now = clock.now()
    if topic != (lesson.topic or ""):
        lesson.topic, lesson.topic_entered_at = topic or None, now
    if homework != (lesson.homework or ""):
        lesson.homework, lesson.homework_entered_at = homework or None, now
    lesson.work_kind_id, lesson.substitute_id, lesson.state = work_kind_id, substitute_id, state
    db.session.commit()
    return lesson


def teachers() -> list[User]:
    from school.models import Person, StaffRole
    return db.session.scalars(select(User).join(StaffRole, StaffRole.user_id == User.id).join(
        Person, Person.id == User.person_id).where(StaffRole.role == "teacher")
        .order_by(Person.surname, Person.name)).all()



def open_days(user: User, class_id: int, first: dt.date, last: dt.date, until: dt.date, reason: str) -> EditUnlock:
    """Open a class's days past the edit window until the end of `until`."""
    if first > last:
        raise JournalError(_("The first day must not be after the last one."))
    if last > clock.today():
        raise JournalError(_("Only past days can be opened."))
    now = clock.now()
    closes = dt.datetime.combine(until, dt.time(23, 59, 59))
    if closes <= now:
        raise JournalError(_("The days must stay open until a later date."))
    if db.session.get(SchoolClass, class_id) is None:
        raise NotFound(_("Nothing was found at this address."))
    unlock = EditUnlock(class_id=class_id, first_day=first, last_day=last, opened_by=user.id, opened_at=now,
                        until=closes, reason=reason.strip()[:300])
    db.session.add(unlock)
    from school import audit
    audit.record("open_days", f"class:{class_id}", f"{first}..{last} until {until}: {reason[:200]}")
    db.session.commit()
    return unlock
