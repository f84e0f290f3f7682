"""A cell of the grid: a student's marks (up to three per lesson) and attendance at one lesson.

save_cell is the one write of a cell: it checks the actor, the roster, the lesson's state, the edit window,
the class's marks rules and the kind of work, then writes with compare-and-set versions and logs every change
of a saved mark (000 Приложение 5 п. 3.8). It answers with everything the grid shows of the save."""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field, replace
from functools import cache

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, delete, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from school import access, clock
from school.extensions import db
from school.models import (AcademicYear, Attendance, Course, Enrolment, Lesson, Mark, MarkChange, SchoolClass,
                           SubgroupMember, User)
from school.models.register import COMMENT_MAX
from school.queries import plain, school_settings, write
from school.register import calendar, rules, scales, versions
from school.register.errors import Conflict, Forbidden, NotFound, RegisterError
from school.register.grid import RowStats, stats_around
from school.register.roster import enrolled_on, roster_row

ATTENDANCE_ACTIONS = ("absent", "late", "ill", "excused")


# What a save reads of a cell's marks and attendance (and answers with): plain named tuples, not objects; the
# writes are Core statements that return the row they wrote in the same shape.
CELL_MARK = (Mark.id, Mark.slot, Mark.code, Mark.work_kind_id, Mark.comment, Mark.version)
CELL_ATTENDANCE = (Attendance.id, Attendance.code, Attendance.reason, Attendance.version)
CellMark = namedtuple("CellMark", [c.key for c in CELL_MARK])
CellAttendance = namedtuple("CellAttendance", [c.key for c in CELL_ATTENDANCE])


# What a save reads of its lesson, the lesson's course and the course's class: the columns save_cell, the access
# checks and the rules it calls look at, as named tuples read with the cell (lesson_and_cell). An ORM Lesson with
# its Course and SchoolClass cost PostgreSQL saves 0.11 ms more to load, a twentieth of a save.
CellClass = namedtuple("CellClass", "id year_id marks_from period_scheme class_teacher_id")
CellCourse = namedtuple("CellCourse", "id teacher_id class_id subgroup_id year_id attested assessment school_class")
CellLesson = namedtuple("CellLesson", "id course_id day number state substitute_id work_kind_id course")
_LESSON = (Lesson.id, Lesson.course_id, Lesson.day, Lesson.number, Lesson.state, Lesson.substitute_id,
           Lesson.work_kind_id)
_COURSE = (Course.id, Course.teacher_id, Course.class_id, Course.subgroup_id, Course.year_id, Course.attested,
           Course.assessment)
_CLASS = (SchoolClass.id, SchoolClass.year_id, SchoolClass.marks_from, SchoolClass.period_scheme,
          SchoolClass.class_teacher_id)


@dataclass
class Cell:
    marks: list = field(default_factory=list)  # CellMark (the grid's own reads put GridMark here), by slot
    attendance: CellAttendance | None = None
    # The name of the lesson's school year when it is closed (read with the cell: a save must refuse it).
    year_closed: str | None = None

    @property
    def version(self) -> str:
        """What a save must have seen: each mark slot's version, then the attendance's ("1.2-0")."""
        attendance = self.attendance.version if self.attendance else 0
        if len(self.marks) == 1 and self.marks[0].slot == 1:  # most cells: one mark
            return f"{self.marks[0].version}-{attendance}"
        by_slot = {m.slot: m.version for m in self.marks}
        top = max(by_slot, default=1)
        marks = ".".join(str(by_slot.get(slot, 0)) for slot in range(1, top + 1))
        return f"{marks}-{attendance}"


def parse_version(value: str) -> tuple[dict[int, int], int]:
    """"v1.v2-a" -> ({1: v1, 2: v2}, a); a malformed version is a refused save, never a 500."""
    try:
        marks, att = value.split("-")
        slots = {i: int(v) for i, v in enumerate(marks.split("."), 1)}
        if len(slots) > 3 or not all(0 <= v <= versions.MAX for v in (*slots.values(), int(att))):
            raise ValueError(value)
        return {s: v for s, v in slots.items() if v}, int(att)
    except (ValueError, AttributeError):
        raise RegisterError(_("Please correct the errors in the form.")) from None


@cache
def _cell_statement():
    """The cell's marks and attendance, and its year's name when the year is closed, built once."""
    student_id = bindparam("student_id")
    return (select(*CELL_MARK, *CELL_ATTENDANCE, AcademicYear.name).select_from(Lesson)
            .join(Course, Course.id == Lesson.course_id)
            .outerjoin(AcademicYear, and_(AcademicYear.id == Course.year_id, AcademicYear.closed_at.is_not(None)))
            .outerjoin(Mark, and_(Mark.lesson_id == Lesson.id, Mark.student_id == student_id))
            .outerjoin(Attendance, and_(Attendance.lesson_id == Lesson.id, Attendance.student_id == student_id))
            .where(Lesson.id == bindparam("lesson_id")).order_by(Mark.slot))


_MARK_END = len(CELL_MARK)
_ATTENDANCE_END = _MARK_END + len(CELL_ATTENDANCE)


def cell_of(lesson_id: int, student_id: int) -> Cell:
    """The cell's marks and attendance (and whether its year is closed) in one query, as the database holds them."""
    return _cell_from(plain(_cell_statement(), {"lesson_id": lesson_id, "student_id": student_id}).all())


def _cell_from(rows) -> Cell:
    """The cell of _cell_statement's rows (or of rows whose columns start with its columns)."""
    cell = Cell()
    for row in rows:
        if row[0] is not None:
            cell.marks.append(CellMark._make(row[:_MARK_END]))
    if rows:
        first = rows[0]
        if first[_MARK_END] is not None:
            cell.attendance = CellAttendance._make(first[_MARK_END:_ATTENDANCE_END])
        cell.year_closed = first[_ATTENDANCE_END]
    return cell


@cache
def _lesson_cell_statement():
    """The cell's statement with whether the student is in the lesson's class (and the course's subgroup) on its
    day, then the lesson, course and class, after the cell's columns; built once. In the class on the day is
    roster.RosterRow.enrolled's rule: an enrolment and, for a subgroup's course, a membership that cover it."""
    student_id = bindparam("student_id")
    enrolled = and_(
        exists().where(Enrolment.student_id == student_id, Enrolment.class_id == Course.class_id,
                       enrolled_on(Lesson.day)),
        or_(Course.subgroup_id.is_(None),
            exists().where(SubgroupMember.subgroup_id == Course.subgroup_id, SubgroupMember.student_id == student_id,
                           enrolled_on(Lesson.day, SubgroupMember))))
    return (_cell_statement().add_columns(enrolled.label("enrolled"), *_LESSON, *_COURSE, *_CLASS)
            .join(SchoolClass, SchoolClass.id == Course.class_id))


@dataclass
class SaveRead:
    """What a save of a cell reads before it writes (lesson_and_cell)."""
    lesson: CellLesson
    cell: Cell
    enrolled: bool  # the student is in the lesson's class (and subgroup) on its day


def lesson_and_cell(lesson_id: int, student_id: int) -> SaveRead | None:
    """What a save of a cell reads before it writes, in one query: the lesson with its course and class
    (CellLesson), the cell as cell_of() gives it and whether the student is in the class that day; None when
    there is no such lesson. save_cell checks the writer before it writes anything."""
    rows = plain(_lesson_cell_statement(), {"lesson_id": lesson_id, "student_id": student_id}).all()
    if not rows:
        return None
    enrolled, *lesson = rows[0][_ATTENDANCE_END + 1:]
    n, m = len(_LESSON), len(_LESSON) + len(_COURSE)
    return SaveRead(CellLesson(*lesson[:n], CellCourse(*lesson[n:m], CellClass(*lesson[m:]))), _cell_from(rows),
                    bool(enrolled))


@dataclass
class CellSave:
    """What the grid shows after a save: the cell and the row's figures for the period."""
    cell: Cell
    stats: RowStats | None


def reason_recorded_message() -> str:
    return _("The class teacher has recorded the reason of this absence: ask them before changing it.")


def save_cell(user: User, lesson: Lesson | CellLesson, student_id: int, action: str, version: str, slot: int = 1,
              work_kind_id: int | None = None, comment: str | None = None, read: SaveRead | None = None
              ) -> CellSave:
    """Set a mark (a scale code), an attendance code, or clear the cell. Raises RegisterError.
    comment: None keeps the mark's comment; "" removes it. read: the cell and the student's place as the caller
    read them in this transaction with the lesson (lesson_and_cell), else they are read here.

    The answer's cell is the one read before the write with the rows the write returned (INSERT and UPDATE …
    RETURNING) in place of what they replaced: what this save stored, not a second read of the cell."""
    course = lesson.course
    if not access.may_write_lesson(user, lesson):
        raise Forbidden() if access.may_read_course(user, course) else NotFound()
    if read is None or not read.enrolled:  # the roster tells a forged id from a student not in the class then
        row = roster_row(course, lesson.day, student_id)
        if row is None:
            raise NotFound()
        if not row.enrolled(lesson.day):
            raise RegisterError(_("%(name)s is not in this class on %(date)s.", name=row.label,
                                  date=format_date(lesson.day, "short")))
    if lesson.state == "cancelled":
        raise RegisterError(_("The lesson was cancelled: nothing can be entered for it."))
    cell = cell_of(lesson.id, student_id) if read is None else read.cell
    refusal = rules.edit_window_refusal(course, lesson.day, year_closed=cell.year_closed)
    if refusal:
        raise RegisterError(refusal)
    if slot not in (1, 2, 3):
        raise RegisterError(_("Unknown mark position."))
    seen_marks, seen_att = parse_version(version)
    now = clock.now()
    try:
        if action in ATTENDANCE_ACTIONS:
            saved = _set_attendance(user, lesson, student_id, cell, action, seen_att, now)
        elif action == "clear":
            saved = _clear(user, lesson, student_id, cell, slot, seen_marks, seen_att, now)
        else:
            saved = _set_mark(user, lesson, student_id, cell, action, slot, seen_marks.get(slot, 0), work_kind_id,
                              comment, now)
        # The row's figures with this save, read before the commit: the request then ends with no transaction
        # left open (a second one only to read them cost a tenth of a save). A write that stood alone is stored
        # already (queries.write): they are read after it, without a transaction, on PostgreSQL.
        stats = _row_figures(action, course, lesson.day, student_id)
        db.session.commit()
    except (Conflict, IntegrityError):
        # Lost the race: a retried save whose first attempt did arrive finds the cell as it wanted it.
        db.session.rollback()
        saved = cell_of(lesson.id, student_id)
        if not _already(saved, action, slot):
            raise Conflict() from None
        stats = _row_figures(action, course, lesson.day, student_id)
    return CellSave(saved, stats)


def _row_figures(action: str, course, day, student_id: int) -> RowStats | None:
    """The row's figures after a save, for the answer; None (the grid keeps the figures it shows) after an
    attendance, which changes no mark: reading them again was a statement of the save's four."""
    if action in ATTENDANCE_ACTIONS:
        return None
    return stats_around(course, day, student_id)


def _checked(result) -> None:
    """A compare-and-set write that found no row with the version seen: someone else wrote first."""
    if result.rowcount != 1:
        raise Conflict()


def _written(result):
    """The one row a compare-and-set INSERT or UPDATE … RETURNING wrote; none: someone else wrote first."""
    row = result.first()
    if row is None:
        raise Conflict()
    return row


@cache
def _attendance_insert():
    return insert(Attendance.__table__).returning(*CELL_ATTENDANCE)


def _set_attendance(user, lesson, student_id, cell, action, seen, now) -> Cell:
    current = cell.attendance
    if current is not None and current.reason and current.code != action:
        raise RegisterError(reason_recorded_message())
    if seen == 0:  # a second first save of the cell fails on its unique (lesson, student): a conflict
        row = _written(write(_attendance_insert(), dict(
            lesson_id=lesson.id, student_id=student_id, code=action, set_by=user.id, set_at=now,
            version=versions.fresh()), alone=True))
    else:
        row = _written(write(_attendance_update(), dict(
            of_lesson=lesson.id, of_student=student_id, seen=seen, new_code=action, author=user.id, now=now),
            alone=True))
    return replace(cell, attendance=CellAttendance._make(row))


def _clear(user, lesson, student_id, cell, slot, seen_marks, seen_att, now) -> Cell:
    """Backspace (slot 1) empties the cell; the picker's "second mark" clear takes that slot and after."""
    for mark in [m for m in cell.marks if m.slot >= slot]:
        _checked(write(delete(Mark.__table__).where(Mark.id == mark.id,
                                                    Mark.version == seen_marks.get(mark.slot, 0))))
        _log_change(lesson, student_id, mark.slot, mark.code, None, user, now)
    attendance = cell.attendance
    if slot == 1 and attendance is not None:
        if attendance.reason:
            raise RegisterError(reason_recorded_message())
        _checked(write(delete(Attendance.__table__).where(Attendance.id == attendance.id,
                                                          Attendance.version == seen_att)))
        attendance = None
    return replace(cell, marks=[m for m in cell.marks if m.slot < slot], attendance=attendance)


@cache
def _mark_update(with_comment: bool):
    """A mark's compare-and-set UPDATE, built once (with or without its comment): it changes the row only when
    its version is still the one the teacher saw, and returns the row as written."""
    values = dict(code=bindparam("new_code"), work_kind_id=bindparam("new_kind"), weight=bindparam("new_weight"),
                  author_id=bindparam("author"), updated_at=bindparam("now"), version=Mark.version + 1)
    if with_comment:
        values["comment"] = bindparam("new_comment")
    return (update(Mark.__table__).where(Mark.id == bindparam("mark_id"), Mark.version == bindparam("seen"))
            .values(**values).returning(*CELL_MARK))


@cache
def _mark_insert():
    return insert(Mark.__table__).returning(*CELL_MARK)


@cache
def _attendance_update():
    """An attendance's compare-and-set UPDATE, built once; returns the row as written."""
    return (update(Attendance.__table__).where(Attendance.lesson_id == bindparam("of_lesson"),
                                     Attendance.student_id == bindparam("of_student"),
                                     Attendance.version == bindparam("seen"))
            .values(code=bindparam("new_code"), set_by=bindparam("author"), set_at=bindparam("now"),
                    version=Attendance.version + 1)
            .returning(*CELL_ATTENDANCE))


def _set_mark(user, lesson, student_id, cell, code, slot, seen, work_kind_id, comment, now) -> Cell:
    course = lesson.course
    if comment is not None:
        comment = comment.strip()
        if len(comment) > COMMENT_MAX:
            raise RegisterError(_("The comment is too long: at most %(n)d characters.", n=COMMENT_MAX))
    if not course.attested:
        raise RegisterError(_("This subject is taught without attestation: it takes no marks."))
    if not calendar.course_takes_marks(course, lesson.day):
        raise RegisterError(_("This class is taught without marks on this date: only attendance, topics and "
                              "notes."))
    if code not in scales.lesson_codes(course):
        entry = scales.scale_entries().get(code)
        if entry is not None and not entry.for_lesson:
            raise RegisterError(_("«%(code)s» is given for a reporting period, not for a lesson.", code=code))
        raise RegisterError(_("«%(code)s» is not a mark of this course.", code=code[:10]))
    existing = next((m for m in cell.marks if m.slot == slot), None)
    # A mark keeps its kind of work unless one is chosen; a new mark takes the lesson's.
    kinds = scales.work_kinds_by_id()
    kind_id = work_kind_id or (existing.work_kind_id if existing else None) or lesson.work_kind_id
    if kind_id is None:
        kind_id = next(k.id for k in kinds.values() if k.code == "answer")
    if kind_id not in kinds:
        raise RegisterError(_("Choose the kind of work for this mark."))
    if seen == 0:
        if slot > 1 and not any(m.slot == slot - 1 for m in cell.marks):
            raise RegisterError(_("Give the first mark before a second one."))
        # a second first save of the slot fails on its unique (lesson, student, slot): a conflict
        row = _written(write(_mark_insert(), dict(
            lesson_id=lesson.id, student_id=student_id, slot=slot, scale=school_settings().scale, code=code,
            work_kind_id=kind_id, weight=kinds[kind_id].weight, comment=comment or None, author_id=user.id,
            created_at=now, updated_at=now, version=versions.fresh()), alone=True))
    else:
        if existing is None:
            raise Conflict()
        changed = existing.code != code or existing.work_kind_id != kind_id  # logged with the update
        row = _written(write(_mark_update(comment is not None), dict(
            mark_id=existing.id, seen=seen, new_code=code, new_kind=kind_id, new_weight=kinds[kind_id].weight,
            author=user.id, now=now, new_comment=comment or None), alone=not changed))
        if changed:
            _log_change(lesson, student_id, slot, existing.code, code, user, now)
    written = CellMark._make(row)
    return replace(cell, marks=sorted([m for m in cell.marks if m.slot != slot] + [written], key=lambda m: m.slot))


def _already(cell: Cell, action: str, slot: int) -> bool:
    mark = next((m for m in cell.marks if m.slot == slot), None)
    if action in ATTENDANCE_ACTIONS:
        return cell.attendance is not None and cell.attendance.code == action
    if action == "clear":
        return not any(m.slot >= slot for m in cell.marks) and (slot != 1 or cell.attendance is None)
    return mark is not None and mark.code == action


@cache
def _change_insert():
    return insert(MarkChange.__table__)


def _log_change(lesson, student_id, slot, old, new, user, now) -> None:
    write(_change_insert(), dict(
        lesson_id=lesson.id, student_id=student_id, slot=slot, old_code=old, new_code=new, changed_by=user.id,
        changed_at=now, reason=_("entered by a substitute") if lesson.substitute_id == user.id else None))
