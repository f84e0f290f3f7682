"""Report 4: unsatisfactory marks per student with the topics they were given on — current marks below
satisfactory (five-point scale: below 3; twelve-point: below 4, the initial level) and «незач», of lessons held
within the filters. One query."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import or_

from school.extensions import db
from school.models import Lesson, Mark, Person, ScaleValue, Student, WorkKind
from school.reports.common import Sheet, class_label, held_lessons, lesson_columns, subject_name
from school.reports.filters import Filters
from school.reports.results import THRESHOLDS


@dataclass
class Line:
    class_id: int
    class_label: str
    student_id: int
    student: str
    day: dt.date
    subject: str
    topic: str | None
    code: str
    work_kind: str
    course_id: int
    lesson_id: int
    scheme: str


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    students: list[tuple[str, str, int]] = field(default_factory=list)    # class, student, marks

    def sheets(self) -> list[Sheet]:
        return [Sheet(_("Students"), [_("Class"), _("Student"), _("Unsatisfactory marks")],
                      [list(s) for s in self.students]),
                Sheet(_("Marks"), [_("Class"), _("Student"), _("Date"), _("Subject"), _("Topic"), _("Mark"),
                                   _("Kind of work")],
                      [[x.class_label, x.student, x.day, x.subject, x.topic,
                        int(x.code) if x.code.isdigit() else x.code, x.work_kind] for x in self.lines])]


def compute(f: Filters, lang: str) -> Report:
    report = Report()
    if not f.ready:
        return report
    cols, joins = lesson_columns()
    low = or_(*[(ScaleValue.scale == scale) & (ScaleValue.value < low) for scale, (low, _good) in THRESHOLDS.items()],
              Mark.code == "незач")
    rows = db.session.execute(joins(held_lessons(
        f, *cols, Lesson.topic, Mark.student_id, Mark.code, WorkKind.name_ru.label("wk_ru"),
        WorkKind.name_uk.label("wk_uk"), WorkKind.name_crh.label("wk_crh"), Person.surname.label("st_surname"),
        Person.name.label("st_name"))
        .join(Mark, Mark.lesson_id == Lesson.id)
        .join(ScaleValue, (ScaleValue.scale == Mark.scale) & (ScaleValue.code == Mark.code))
        .join(WorkKind, WorkKind.id == Mark.work_kind_id)
        .join(Student, Student.id == Mark.student_id).join(Person, Person.id == Student.person_id)
        .where(low))).all()
    counts: dict = defaultdict(int)
    for r in rows:
        student = f"{r.st_surname} {r.st_name}"
        report.lines.append(Line(r.class_id, class_label(r), r.student_id, student, r.day, subject_name(r, lang),
                                 r.topic, r.code, getattr(r, f"wk_{lang}", None) or r.wk_ru, r.course_id,
                                 r.lesson_id, r.period_scheme))
        counts[(r.grade, r.letter, class_label(r), student)] += 1
    report.lines.sort(key=lambda x: (x.class_label.split("-")[0].zfill(2), x.class_label, x.student, x.day))
    report.students = [(c, s, n) for (_g, _l, c, s), n in sorted(counts.items())]
    return report
