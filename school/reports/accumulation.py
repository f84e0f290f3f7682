"""Report 2: accumulation (накопляемость) — students with no current marks or a single one per course, and
period marks set on fewer current marks than the school's minimum (School.min_marks_for_period).

Current marks are those that count in the average (numbers on the school's scale), of lessons held within the
filters. Courses without marks (no attestation, unmarked learning, grade 1) are left out. Five queries."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from school.extensions import db
from school.models import Course, Lesson, Mark, PeriodMark, Person, ScaleValue, SchoolClass, User
from school.register.finals import minimum_marks
from school.reports.common import Sheet, held_lessons, subject_name
from school.reports.filters import Filters, person_label
from school.reports.roster import students_by_class, subgroup_members


@dataclass
class Line:
    class_label: str
    subject: str
    teacher: str
    course_id: int
    student_id: int
    student: str
    marks: int
    period_mark: str | None

    @property
    def problem(self) -> str:
        return problem_of(self.marks)


def problem_of(marks: int) -> str:
    """What a student's count of marks in a course says: none, one, or fewer than the minimum."""
    if marks == 0:
        return "none"
    if marks == 1:
        return "one"
    return "few"


@dataclass
class ClassRow:
    class_id: int
    label: str
    none: int = 0
    one: int = 0
    few: int = 0   # period marks on fewer marks than the minimum
    missing: int = 0   # (course, student) pairs still without a period mark of the chosen period


@dataclass
class Report:
    minimum: int
    lines: list[Line] = field(default_factory=list)
    classes: list[ClassRow] = field(default_factory=list)

    def sheets(self) -> list[Sheet]:
        return [
            Sheet(_("Classes"), [_("Class"), _("No marks"), _("One mark"), _("Period mark on too few marks")],
                  [[c.label, c.none, c.one, c.few] for c in self.classes]),
            Sheet(_("Students"), [_("Class"), _("Subject"), _("Teacher"), _("Student"), _("Current marks"),
                                  _("Period mark")],
                  [[x.class_label, x.subject, x.teacher, x.student, x.marks, x.period_mark] for x in self.lines]),
        ]


def compute(f: Filters, lang: str, details: bool = True) -> Report:
    """details=False: the classes' counts only, without the lines (the director's page shows none)."""
    if not f.ready:
        return Report(minimum=0)
    report = Report(minimum=minimum_marks())
    stmt = (select(Course, Person.surname, Person.name, Person.patronymic)
            .join(SchoolClass, SchoolClass.id == Course.class_id).join(User, User.id == Course.teacher_id)
            .join(Person, Person.id == User.person_id)
            .where(*f.course_filter(), Course.attested.is_(True), Course.assessment == "scale",
                   SchoolClass.marks_from.is_not(None)))
    if f.teacher_id is not None:
        stmt = stmt.where(Course.teacher_id == f.teacher_id)
    courses = db.session.execute(stmt).all()
    if not courses:
        return report
    course_ids = [c.id for c, *_ in courses]
    students = students_by_class(f, {c.class_id for c, *_ in courses})
    members = subgroup_members(f, {c.subgroup_id for c, *_ in courses if c.subgroup_id})
    counts = dict(((course_id, student_id), n) for course_id, student_id, n in db.session.execute(
        held_lessons(f, Lesson.course_id, Mark.student_id, func.count(Mark.id))
        .join(Mark, Mark.lesson_id == Lesson.id)
        .join(ScaleValue, (ScaleValue.scale == Mark.scale) & (ScaleValue.code == Mark.code))
        .where(ScaleValue.counts_in_average.is_(True), Lesson.course_id.in_(course_ids))
        .group_by(Lesson.course_id, Mark.student_id)))
    period_marks = {}
    if f.period is not None:
        period_marks = dict(((c, st), code) for c, st, code in db.session.execute(
            select(PeriodMark.course_id, PeriodMark.student_id, PeriodMark.code)
            .where(PeriodMark.course_id.in_(course_ids), PeriodMark.kind == "period",
                   PeriodMark.period_id == f.period.id)))
    rows: dict[int, ClassRow] = {}
    for course, surname, name, patronymic in courses:
        klass = course.school_class
        row = rows.setdefault(klass.id, ClassRow(klass.id, klass.label))
        for student_id, student in students.get(klass.id, []):
            if course.subgroup_id and student_id not in members.get(course.subgroup_id, ()):
                continue
            n = counts.get((course.id, student_id), 0)
            mark = period_marks.get((course.id, student_id))
            if f.period is not None and mark is None:
                row.missing += 1
            if n > 1 and (mark is None or n >= report.minimum):
                continue
            problem = problem_of(n)
            setattr(row, problem, getattr(row, problem) + 1)
            if mark is not None and n < report.minimum and problem != "few":
                row.few += 1
            if details:
                report.lines.append(Line(klass.label, subject_name(course.subject, lang),
                                         person_label(surname, name, patronymic), course.id, student_id, student, n,
                                         mark))
    report.classes = sorted(rows.values(), key=lambda r: (int(r.label.split("-")[0]), r.label))
    report.lines.sort(key=lambda x: (int(x.class_label.split("-")[0]), x.class_label, x.subject, x.student))
    return report
