"""Report 3: attendance by class and month — lessons missed and, of them, for a reason (ill, excused: the class
teacher's reason wins over the subject teacher's code, as in the register), late arrivals; per student the lessons
missed with their topics. Lessons held up to today only. Two queries."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import format_date
from flask_babel import gettext as _

from school.extensions import db
from school.models import Attendance, Lesson, Person, Student
from school.register.attendance import absence_kind
from school.reports.common import Sheet, class_label, held_lessons, lesson_columns, subject_name
from school.reports.filters import Filters


@dataclass
class Tally:
    missed: int = 0
    reason: int = 0     # of the missed, for a reason (ill or excused)
    late: int = 0

    @property
    def unexcused(self) -> int:
        return self.missed - self.reason

    def add(self, kind: str | None) -> None:
        if kind is None:
            self.late += 1
        else:
            self.missed += 1
            self.reason += kind in ("ill", "excused")


@dataclass
class Missed:
    class_id: int
    class_label: str
    student_id: int
    student: str
    day: dt.date
    subject: str
    topic: str | None
    kind: str          # ill / excused / unexcused / late
    course_id: int
    lesson_id: int
    scheme: str


@dataclass
class Report:
    months: list[dt.date] = field(default_factory=list)               # first days of the months covered
    classes: list[tuple[int, str]] = field(default_factory=list)
    cells: dict = field(default_factory=lambda: defaultdict(Tally))   # (class id, month) -> Tally
    by_class: dict = field(default_factory=lambda: defaultdict(Tally))
    by_month: dict = field(default_factory=lambda: defaultdict(Tally))
    total: Tally = field(default_factory=Tally)
    students: list[tuple[str, str, Tally]] = field(default_factory=list)   # (class, student, tally)
    lines: list[Missed] = field(default_factory=list)

    @property
    def peak(self) -> int:
        """The most lessons missed in a month (the chart's scale)."""
        return max((self.by_month[m].missed for m in self.months if m in self.by_month), default=0)

    def sheets(self) -> list[Sheet]:
        head = [_("Class")]
        for m in self.months:
            month = format_date(m, "LLLL y")
            head += [f"{month} · " + _("missed"), f"{month} · " + _("for a reason")]
        head += [_("Missed"), _("For a reason"), _("Late arrivals")]
        rows = []
        for class_id, label in self.classes:
            row = [label]
            for m in self.months:
                row += [self.cells[(class_id, m)].missed, self.cells[(class_id, m)].reason]
            t = self.by_class[class_id]
            rows.append(row + [t.missed, t.reason, t.late])
        return [Sheet(_("Classes"), head, rows),
                Sheet(_("Students"), [_("Class"), _("Student"), _("Missed"), _("For a reason"), _("Late arrivals")],
                      [[c, s, t.missed, t.reason, t.late] for c, s, t in self.students]),
                Sheet(_("Missed lessons"), [_("Class"), _("Student"), _("Date"), _("Subject"), _("Topic"), _("Kind")],
                      [[x.class_label, x.student, x.day, x.subject, x.topic, kind_label(x.kind)] for x in self.lines])]


def kind_label(kind: str) -> str:
    return {"ill": _("ill"), "excused": _("excused"), "unexcused": _("without a reason"), "late": _("late")}[kind]


def compute(f: Filters, lang: str, details: bool = True) -> Report:
    """details=False: the tallies only, without the lines and the students (the director's page shows none)."""
    report = Report()
    if not f.ready:
        return report
    month = dt.date(f.first.year, f.first.month, 1)
    while month <= f.held_until:
        report.months.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    cols, joins = lesson_columns()
    rows = db.session.execute(joins(held_lessons(f, *cols, Lesson.topic, Attendance.student_id, Attendance.code,
                                                 Attendance.reason, Person.surname.label("st_surname"),
                                                 Person.name.label("st_name"))
                                    .join(Attendance, Attendance.lesson_id == Lesson.id)
                                    .join(Student, Student.id == Attendance.student_id)
                                    .join(Person, Person.id == Student.person_id))
                              .order_by(Lesson.day, Lesson.number)).all()
    classes = {}
    per_student: dict = defaultdict(Tally)
    names = {}
    for r in rows:
        kind = absence_kind(SimpleAttendance(r.code, r.reason))
        month = dt.date(r.day.year, r.day.month, 1)
        classes[r.class_id] = (r.grade, r.letter)
        for t in (report.cells[(r.class_id, month)], report.by_class[r.class_id], report.by_month[month],
                  report.total):
            t.add(kind)
        if not details:
            continue
        per_student[(r.class_id, r.student_id)].add(kind)
        names[(r.class_id, r.student_id)] = f"{r.st_surname} {r.st_name}"
        report.lines.append(Missed(r.class_id, class_label(r), r.student_id, names[(r.class_id, r.student_id)], r.day,
                                   subject_name(r, lang), r.topic, kind or "late", r.course_id, r.lesson_id,
                                   r.period_scheme))
    report.classes = [(cid, f"{g}-{letter}") for cid, (g, letter) in sorted(classes.items(), key=lambda i: i[1])]
    order = {cid: i for i, (cid, _label) in enumerate(report.classes)}
    report.students = [(f"{classes[c][0]}-{classes[c][1]}", names[(c, s)], t) for (c, s), t in
                       sorted(per_student.items(), key=lambda i: (order[i[0][0]], names[i[0]]))]
    report.lines.sort(key=lambda x: (order[x.class_id], x.student, x.day))
    return report


@dataclass
class SimpleAttendance:
    """The two fields absence_kind() reads, from a row."""
    code: str
    reason: str | None
