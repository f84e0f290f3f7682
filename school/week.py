"""A student's days: lessons, topics, homework, marks, attendance — the one code path for the family
diary and the printed weekly statement (they must show exactly the same)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from types import SimpleNamespace
from typing import NamedTuple

from flask import g
from sqlalchemy import (Date, Integer, Numeric, Row, String, Text, and_, bindparam, cast, exists, literal_column,
                        or_, select, union_all)
from sqlalchemy.orm import aliased

from school import queries
from school.extensions import db
from school.i18n import by_subject
from school.models import (Attendance, Course, Enrolment, Holiday, Lesson, Mark, PeriodMark, Person, SchoolClass,
                           SubgroupMember, Subject, User, WorkKind)
from school.models.organisation import SUBJECT_NAMES, SubjectNames
from school.models.people import StaffName
from school.register import calendar, scales
from school.register.attendance import Totals, tally
from school.register.grid import GRID_MARK, GridAttendance, GridMark, row_stats
from school.register.roster import covers, enrolled_on, overlapping


class CourseRow(NamedTuple):
    """A course as the diary's days and marks show it (plain columns, COURSE_ROW, not an ORM object)."""
    id: int
    class_id: int
    subgroup_id: int | None
    subject_id: int
    attested: bool
    assessment: str
    subject: SubjectNames

    @classmethod
    def of(cls, r) -> CourseRow:
        """From a row of COURSE_ROW's columns."""
        return cls(r.course_id, r.class_id, r.subgroup_id, r.subject_id, r.attested, r.assessment,
                   SubjectNames.of(r))


COURSE_ROW = (Course.id.label("course_id"), Course.class_id, Course.subgroup_id, Course.subject_id, Course.attested,
              Course.assessment, *SUBJECT_NAMES)


class ClassRow(NamedTuple):
    """A class as the days and the diary's pages use it (plain columns); label is SchoolClass's."""
    id: int
    year_id: int
    grade: int
    letter: str
    period_scheme: str
    marks_from: dt.date | None
    class_teacher_id: int | None

    label = SchoolClass.label


class EnrolmentRow(NamedTuple):
    """A student's stay in a class as the days read it (plain columns, ENROLMENT_ROW), with its class."""
    id: int
    student_id: int
    class_id: int
    from_day: dt.date
    to_day: dt.date | None
    school_class: ClassRow

    @classmethod
    def of(cls, r) -> EnrolmentRow:
        return cls(*r[:5], ClassRow(*r[5:]))


ENROLMENT_ROW = (Enrolment.id, Enrolment.student_id, Enrolment.class_id, Enrolment.from_day, Enrolment.to_day,
                 SchoolClass.id.label("class_row_id"), SchoolClass.year_id, SchoolClass.grade, SchoolClass.letter,
                 SchoolClass.period_scheme, SchoolClass.marks_from, SchoolClass.class_teacher_id)


class DayOff(NamedTuple):
    """A holiday as the days show it (plain columns): its dates and names; name() is Holiday's."""
    first_day: dt.date
    last_day: dt.date
    name_ru: str
    name_uk: str | None
    name_crh: str | None

    name = Holiday.name


class WeekLesson(NamedTuple):
    """A lesson of the calendar as the days show it (plain columns: the diary, the statements and the weekly
    notices only read them)."""
    id: int
    course_id: int
    day: dt.date
    number: int
    topic: str | None
    homework: str | None
    work_kind_id: int | None
    state: str
    substitute_id: int | None
    moved_from_day: dt.date | None
    moved_from_number: int | None
    extra: bool
    substitute: StaffName | None   # who substitutes it

    @property
    def work_kind(self) -> WorkKind | None:
        return scales.work_kinds_by_id().get(self.work_kind_id) if self.work_kind_id is not None else None


@dataclass
class LessonItem:
    number: int
    course: CourseRow
    lesson: WeekLesson | None      # always a lesson of the calendar (the timetable generates the year's)
    bell: Row | None               # the bell times (queries.bells)
    marks: list[GridMark] = field(default_factory=list)
    attendance: GridAttendance | None = None
    # The homework set at the course's previous lesson: what is due for this one.
    homework_due: str | None = None

    @property
    def cancelled(self) -> bool:
        return self.lesson is not None and self.lesson.state == "cancelled"

    @property
    def substituted(self) -> bool:
        return self.lesson is not None and self.lesson.substitute_id is not None

    @property
    def moved_from(self) -> tuple[dt.date, int] | None:
        """Where the timetable had the lesson before the administration moved it (a timetable change)."""
        les = self.lesson
        if les is None or les.moved_from_day is None or (les.moved_from_day, les.moved_from_number) == (
                les.day, les.number):
            return None
        return les.moved_from_day, les.moved_from_number

    @property
    def extra(self) -> bool:
        return self.lesson is not None and self.lesson.extra


@dataclass
class Day:
    date: dt.date
    holiday: DayOff | None
    school_class: ClassRow | None
    lessons: list[LessonItem] = field(default_factory=list)


@dataclass
class SubjectAverage:
    subject: Subject | SubjectNames
    course: Course | CourseRow
    count: int
    average: Decimal | None
    forecast: str | None


@cache
def _statements() -> SimpleNamespace:
    """The diary's queries, built once with bound parameters (every diary page runs several): building a
    statement cost SQLAlchemy more than running it."""
    first, last = bindparam("first", type_=Date), bindparam("last", type_=Date)
    course_ids, student_ids = bindparam("course_ids", expanding=True), bindparam("student_ids", expanding=True)
    class_ids = bindparam("class_ids", expanding=True)
    # Each course's last lesson before the first day that was not cancelled: per course a backward walk of the
    # (course_id, day, number) index that stops at the first row, however many lessons the year already has.
    # 'cancelled' and the limit are written into the SQL: bound, they made PostgreSQL's generic plan of the
    # prepared statement look dearer than planning anew, which it then did on every diary page.
    earlier = aliased(Lesson)
    substitute_user, substitute = aliased(User), aliased(Person)
    last_id = (select(earlier.id).where(earlier.course_id == Course.id, earlier.day < first,
                                        earlier.state != literal_column("'cancelled'"))
               .order_by(earlier.day.desc(), earlier.number.desc()).limit(literal_column("1"))
               .correlate(Course).scalar_subquery())
    takes = and_(Course.class_id == bindparam("class_id"),
                 or_(Course.subgroup_id.is_(None),
                     exists().where(SubgroupMember.subgroup_id == Course.subgroup_id,
                                    SubgroupMember.student_id == bindparam("student_id"),
                                    enrolled_on(bindparam("day", type_=Date), SubgroupMember))))
    # A course's period mark for a period and its year mark (each at most one: uq_period_marks_*), read with the
    # courses on the marks page rather than by a statement of their own.
    period_mark, year_mark = aliased(PeriodMark), aliased(PeriodMark)
    # The classes' lessons with their courses and the substitute's name, as plain rows: a week has thirty lessons,
    # a class's statements as many. The first twelve columns are WeekLesson's fields in their order.
    lesson_rows = (select(Lesson.id, Lesson.course_id, Lesson.day, Lesson.number, Lesson.topic, Lesson.homework,
                          Lesson.work_kind_id, Lesson.state, Lesson.substitute_id, Lesson.moved_from_day,
                          Lesson.moved_from_number, Lesson.extra, substitute.surname.label("sub_surname"),
                          substitute.name.label("sub_name"), substitute.patronymic.label("sub_patronymic"),
                          *COURSE_ROW[1:])
                   .join(Course, Course.id == Lesson.course_id).join(Subject, Subject.id == Course.subject_id)
                   .outerjoin(substitute_user, substitute_user.id == Lesson.substitute_id)
                   .outerjoin(substitute, substitute.id == substitute_user.person_id))
    # Plain rows (EnrolmentRow) of the enrolments that meet the days: every diary page reads them, and only
    # compares their days and shows the class.
    meeting = (select(*ENROLMENT_ROW).join(SchoolClass, SchoolClass.id == Enrolment.class_id)
               .where(overlapping(first, last)).order_by(Enrolment.from_day))
    return SimpleNamespace(
        enrolments=meeting.where(Enrolment.student_id.in_(student_ids)),
        # One student's enrolments with their subgroup memberships (placement): each enrolment's row once per
        # membership, or once with none.
        placement=meeting.add_columns(SubgroupMember.subgroup_id, SubgroupMember.from_day.label("member_from"),
                                      SubgroupMember.to_day.label("member_to"))
        .outerjoin(SubgroupMember, SubgroupMember.student_id == Enrolment.student_id)
        .where(Enrolment.student_id == bindparam("student_id")),
        # The lessons of the days (the courses the days show are those with lessons), and each course's last
        # lesson before the first day, whose homework is due at its first lesson of the days: one statement, a
        # round trip less on every week (on PostgreSQL a fifth of a millisecond, a baseline of /healthz).
        lessons=union_all(
            lesson_rows.where(Course.class_id.in_(class_ids), Lesson.day >= first, Lesson.day <= last),
            lesson_rows.where(Lesson.id.in_(select(last_id).where(Course.class_id.in_(class_ids))))),
        # Plain rows: the days only compare their dates.
        memberships=select(SubgroupMember.subgroup_id, SubgroupMember.student_id, SubgroupMember.from_day,
                           SubgroupMember.to_day).where(SubgroupMember.student_id.in_(student_ids)),
        class_courses=select(Course).where(Course.class_id == bindparam("class_id")),
        # The class's courses a student takes on a day: whole-class ones and those of their subgroups then (ORM
        # objects for the class page, plain rows for the marks page).
        student_courses=select(Course).where(takes),
        student_course_rows=select(*COURSE_ROW, period_mark.code.label("period_code"),
                                   year_mark.code.label("year_code"))
        .join(Subject, Subject.id == Course.subject_id)
        .outerjoin(period_mark, and_(period_mark.course_id == Course.id,
                                     period_mark.student_id == bindparam("student_id"),
                                     period_mark.kind == literal_column("'period'"),
                                     period_mark.period_id == bindparam("period_id")))
        .outerjoin(year_mark, and_(year_mark.course_id == Course.id, year_mark.student_id == bindparam("student_id"),
                                   year_mark.kind == literal_column("'year'"), year_mark.period_id.is_(None)))
        .where(takes),
        period_marks=select(Mark.code, Mark.weight, Mark.work_kind_id, Mark.comment, Lesson.day, Lesson.course_id)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(Mark.student_id == bindparam("student_id"), Lesson.course_id.in_(course_ids), Lesson.day >= first,
               Lesson.day <= last)
        .order_by(Lesson.day, Mark.slot),
        cells=_cells_statement(bindparam("lesson_ids", expanding=True), student_ids))


def _cells_statement(lesson_ids, student_ids):
    """The days' marks and attendance as the grid reads them (GRID_MARK, GRID_ATTENDANCE), in one statement: each
    mark's row with no reason, each attendance's with no slot (of a mark, never empty). Named tuples, not objects:
    a class's statements read a few hundred of them, and nothing here changes them."""
    marks = select(*GRID_MARK, cast(None, String).label("reason")).where(
        Mark.lesson_id.in_(lesson_ids), Mark.student_id.in_(student_ids))
    attendance = select(Attendance.lesson_id, Attendance.student_id, cast(None, Integer), Attendance.code,
                        cast(None, Numeric), cast(None, Integer), cast(None, Text), Attendance.version,
                        Attendance.reason).where(Attendance.lesson_id.in_(lesson_ids),
                                                 Attendance.student_id.in_(student_ids))
    both = union_all(marks, attendance)
    return both.order_by(both.selected_columns.slot)


class Membership(NamedTuple):
    """A student's stay in a subgroup (plain columns: memberships_of and placement read them)."""
    subgroup_id: int
    student_id: int
    from_day: dt.date
    to_day: dt.date | None


class Placement(NamedTuple):
    """Where a student is: their enrolments that meet some days, with their classes, and all their subgroup
    memberships."""
    enrolments: list[EnrolmentRow]
    memberships: list[Membership]


def placement(student_id: int, first: dt.date, last: dt.date) -> Placement:
    """The student's enrolments meeting the days and their subgroup memberships, in one statement: the diary
    shows the class from them and days() needs both (two statements before, a round trip more on every diary
    week). Without an enrolment on the days there are no lessons to choose among, and no memberships either."""
    enrolments: dict[int, EnrolmentRow] = {}
    memberships: dict[Membership, None] = {}
    width = len(ENROLMENT_ROW)
    for r in queries.plain(_statements().placement, {"student_id": student_id, "first": first, "last": last}):
        if r.id not in enrolments:
            enrolments[r.id] = EnrolmentRow.of(r[:width])
        if r.subgroup_id is not None:
            memberships[Membership(r.subgroup_id, student_id, r.member_from, r.member_to)] = None
    return Placement(list(enrolments.values()), list(memberships))


def class_on(enrolments: list[EnrolmentRow], day: dt.date) -> ClassRow | None:
    for e in enrolments:
        if covers(e.from_day, e.to_day, day):
            return e.school_class
    return None


def student_courses(student_id: int, class_id: int, day: dt.date, courses: list,
                    memberships: list[Membership]) -> list:
    """The class's courses the student takes on that day: whole-class ones and their own subgroups'."""
    groups = {m.subgroup_id for m in memberships if covers(m.from_day, m.to_day, day)}
    return [c for c in courses if c.class_id == class_id and (c.subgroup_id is None or c.subgroup_id in groups)]


@dataclass
class _Classes:
    """What the classes share between their students for some days: read once per request (a class's
    statements are one request for thirty students)."""
    courses: list[CourseRow]
    by_day: dict[dt.date, list[WeekLesson]]
    holidays: list[DayOff]
    bells: dict[int, Row]
    before: dict[int, str | None]    # per course, the homework of its last lesson before the first day


def _classes(classes: frozenset[tuple[int, int]], first: dt.date, last: dt.date) -> _Classes:
    """classes: (class id, its year's id) of every class the students were in on the days."""
    memo = g.setdefault("_week_classes", {})
    key = (classes, first, last)
    if key not in memo:
        q = _statements()
        class_ids = [c for c, _year in classes] or [0]
        by_day: dict[dt.date, list[WeekLesson]] = {}
        courses: dict[int, CourseRow] = {}
        before: dict[int, str | None] = {}
        for r in queries.plain(q.lessons, {"class_ids": class_ids, "first": first, "last": last}).all():
            if r.day < first:  # the course's last lesson before the days
                before[r.course_id] = r.homework
                continue
            if r.course_id not in courses:
                courses[r.course_id] = CourseRow.of(r)
            substitute = (StaffName(r.substitute_id, r.sub_surname, r.sub_name, r.sub_patronymic)
                          if r.substitute_id else None)
            by_day.setdefault(r.day, []).append(WeekLesson(*r[:12], substitute))
        memo[key] = _Classes(
            list(courses.values()), by_day,
            [DayOff(*h) for year_id in {year for _c, year in classes} for h in queries.holidays(year_id)
             if h.first_day <= last and h.last_day >= first],
            queries.bells(),
            before)
    return memo[key]


def _homework_due(out: list[Day], before: dict[int, str | None]) -> None:
    """Fill homework_due: walking the days in order, each lesson gets the homework of its course's previous
    lesson. A cancelled lesson passes it on to the next one; a lesson not yet recorded sets none."""
    previous = dict(before)
    for d in out:
        for item in d.lessons:
            if item.cancelled:
                continue
            item.homework_due = previous.get(item.course.id) or None
            previous[item.course.id] = item.lesson.homework if item.lesson is not None else None


def days(student_id: int, first: dt.date, last: dt.date, placed: Placement | None = None) -> list[Day]:
    """Every day from first to last with what the student had, in each class they were in on that day.
    `placed`: the student's placement() when the caller has read it already (over days that hold these)."""
    if placed is None:
        placed = placement(student_id, first, last)
    return class_days({student_id: placed.memberships}, first, last, {student_id: placed.enrolments})[student_id]


def _student_days(student_id: int, first: dt.date, last: dt.date, enrolments: list[EnrolmentRow], shared: _Classes,
                  memberships: list[Membership], marks: dict[int, list[GridMark]],
                  attendance: dict[int, GridAttendance]) -> list[Day]:
    """The days of days() from what was read: the student's enrolments and subgroups, the classes' shared rows,
    and the student's marks (by lesson, in slot order) and attendance (by lesson)."""
    courses, by_day, holidays, bells = shared.courses, shared.by_day, shared.holidays, shared.bells
    out = []
    day = first
    while day <= last:
        klass = class_on(enrolments, day)
        holiday = next((h for h in holidays if h.first_day <= day <= h.last_day), None)
        entry = Day(day, holiday, klass)
        if klass is not None:
            mine = student_courses(student_id, klass.id, day, courses, memberships)
            items: dict[tuple[int, int], LessonItem] = {}
            mine_by_id = {c.id: c for c in mine}
            for les in by_day.get(day, []):
                c = mine_by_id.get(les.course_id)
                if c is not None:
                    items[(c.id, les.number)] = LessonItem(les.number, c, les, bells.get(les.number),
                                                           marks.get(les.id, []), attendance.get(les.id))
            entry.lessons = sorted(items.values(), key=lambda i: (i.number, i.course.subject_id))
        out.append(entry)
        day += dt.timedelta(days=1)
    _homework_due(out, shared.before)
    return out


def memberships_of(student_ids: list[int]) -> dict[int, list[Membership]]:
    """The students' subgroup memberships, by student (read once for a class's days and averages)."""
    by_student: dict[int, list[Membership]] = {sid: [] for sid in student_ids}
    for m in queries.plain(_statements().memberships, {"student_ids": list(student_ids) or [0]}).all():
        by_student[m.student_id].append(Membership._make(m))
    return by_student


def class_days(memberships: dict[int, list[Membership]], first: dt.date, last: dt.date,
               enrolments: dict[int, list[EnrolmentRow]] | None = None) -> dict[int, list[Day]]:
    """days() of one student or several at once (a class's statements), by student: read in a constant number of
    statements whatever the number of students. memberships: memberships_of(the students); enrolments: theirs by
    student when the caller has read them already (any that meet the days)."""
    q, ids = _statements(), list(memberships) or [0]
    if enrolments is None:
        enrolments = {sid: [] for sid in memberships}
        for r in queries.plain(q.enrolments, {"student_ids": ids, "first": first, "last": last}).all():
            enrolments[r.student_id].append(EnrolmentRow.of(r))
    else:
        enrolments = {sid: [e for e in rows if e.from_day <= last and (e.to_day is None or e.to_day >= first)]
                      for sid, rows in enrolments.items()}
    shared = _classes(frozenset((e.class_id, e.school_class.year_id) for rows in enrolments.values() for e in rows),
                      first, last)
    lesson_ids = [les.id for day_lessons in shared.by_day.values() for les in day_lessons]
    marks: dict[int, dict[int, list[GridMark]]] = {sid: {} for sid in memberships}
    attendance: dict[int, dict[int, GridAttendance]] = {sid: {} for sid in memberships}
    if lesson_ids:
        params = {"lesson_ids": lesson_ids, "student_ids": ids}
        for r in queries.plain(q.cells, params).all():
            if r.slot is None:
                attendance[r.student_id][r.lesson_id] = GridAttendance(r.lesson_id, r.student_id, r.code, r.reason,
                                                                       r.version)
            else:  # in slot order
                marks[r.student_id].setdefault(r.lesson_id, []).append(GridMark._make(r[:len(GRID_MARK)]))
    return {sid: _student_days(sid, first, last, enrolments[sid], shared, rows, marks[sid], attendance[sid])
            for sid, rows in memberships.items()}


def totals(week: list[Day]) -> Totals:
    return tally(item.attendance for d in week for item in d.lessons
                 if item.attendance is not None and not item.cancelled)


def period_of(school_class: SchoolClass | ClassRow, day: dt.date) -> calendar.PeriodRow | None:
    return calendar.period_containing(calendar.periods_of(school_class), day)


def courses_of(student_id: int, school_class: SchoolClass | ClassRow, day: dt.date) -> list[Course]:
    """The courses of the class that the student takes on that day (student_courses, in one statement), by
    subject name in the reader's alphabet."""
    return by_subject(db.session.scalars(_statements().student_courses, {
        "class_id": school_class.id, "student_id": student_id, "day": day}).all())


def course_rows_of(student_id: int, school_class: SchoolClass | ClassRow, day: dt.date, period_id: int | None = None
                   ) -> tuple[list[CourseRow], dict[int, tuple[str | None, str | None]]]:
    """courses_of() as plain rows (CourseRow), for a page that only shows them; and by course, the codes of the
    student's period mark for the period `period_id` and their year mark (None where there is none), read with
    them."""
    rows = queries.plain(_statements().student_course_rows, {
        "class_id": school_class.id, "student_id": student_id, "day": day, "period_id": period_id}).all()
    return by_subject(map(CourseRow.of, rows)), {r.course_id: (r.period_code, r.year_code) for r in rows}


def averages(student_id: int, school_class: SchoolClass | ClassRow, day: dt.date) -> list[SubjectAverage]:
    """The current average and forecast per subject — the grid's own function (register.grid.row_stats)."""
    period = period_of(school_class, day)
    if period is None:
        return []
    courses = courses_of(student_id, school_class, day)
    return subject_averages(courses, marks_in_period(student_id, courses, period), min(period.last_day, day))


def marks_in_period(student_id: int, courses: list[Course], period: calendar.PeriodRow) -> list[Row]:
    """The student's marks in the courses' lessons of the period, by day: rows of the mark's code, weight,
    work kind and comment with the lesson's day and course_id (plain rows: nothing here is written)."""
    return queries.plain(_statements().period_marks, {
        "student_id": student_id, "course_ids": [c.id for c in courses] or [0], "first": period.first_day,
        "last": period.last_day}).all()


def subject_averages(courses: list[Course], marks: list[Row], until: dt.date) -> list[SubjectAverage]:
    """Per attested scale subject, in the order of `courses`: the average and forecast of its marks (rows of
    marks_in_period) up to the day `until`."""
    by_course: dict[int, list[Row]] = {}
    for m in marks:
        if m.day <= until:
            by_course.setdefault(m.course_id, []).append(m)
    out = []
    for c in courses:
        if c.attested and c.assessment == "scale":
            stats = row_stats(by_course.get(c.id, []))
            out.append(SubjectAverage(c.subject, c, stats.count, stats.average, stats.suggestion))
    return out


def class_averages(school_class: SchoolClass, days: dict[int, dt.date],
                   memberships: dict[int, list[Membership]]) -> dict[int, list[SubjectAverage]]:
    """averages() of several students of a class, each on their own day (days: student id -> day), by student:
    the periods, the courses and the marks of them all read once (memberships: memberships_of(the students))."""
    periods = calendar.periods_of(school_class)
    courses = db.session.scalars(_statements().class_courses, {"class_id": school_class.id}).all()
    period = {sid: calendar.period_containing(periods, day) for sid, day in days.items()}
    period = {sid: p for sid, p in period.items() if p is not None}
    marks: dict[int, list[Row]] = {sid: [] for sid in period}
    if period:
        for m in db.session.execute(
                select(Mark.student_id, Mark.code, Mark.weight, Lesson.day, Lesson.course_id)
                .join(Lesson, Lesson.id == Mark.lesson_id)
                .where(Mark.student_id.in_(list(period)), Lesson.course_id.in_([c.id for c in courses] or [0]),
                       Lesson.day >= min(p.first_day for p in period.values()),
                       Lesson.day <= max(p.last_day for p in period.values()))):
            if m.day >= period[m.student_id].first_day:
                marks[m.student_id].append(m)
    out: dict[int, list[SubjectAverage]] = {}
    for sid, day in days.items():
        if sid not in period:
            out[sid] = []
            continue
        mine = by_subject(student_courses(sid, school_class.id, day, courses, memberships.get(sid, [])))
        out[sid] = subject_averages(mine, marks[sid], min(period[sid].last_day, day))
    return out


def work_kinds_by_id() -> dict[int, WorkKind]:
    return scales.work_kinds_by_id()
