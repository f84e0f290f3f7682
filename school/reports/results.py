"""Report 5: the results of classes for a period (успеваемость, качество), per class and for the school.

успеваемость: the share of students with all period marks at least satisfactory; качество: all at least good.
Five-point scale: ≥ 3 and ≥ 4. Twelve-point scale (levels 1–3 initial, 4–6 average, 7–9 sufficient,
10–12 high): ≥ 4 and ≥ 7. «незач» and «н/а» fail both; «зач», «осв» and «безотм» break neither. The shares are
taken of the students with at least one period mark (those attested); the classes of the period's scheme only.
Three queries."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from school.extensions import db
from school.models import Course, PeriodMark, ScaleValue, SchoolClass, Subject
from school.reports.common import Sheet, share, subject_name
from school.reports.filters import Filters
from school.reports.roster import students_by_class

# scale: (at least satisfactory, at least good)
THRESHOLDS = {"five": (3, 4), "twelve": (4, 7)}
FAILING_CODES = ("незач", "н/а")


@dataclass
class ClassRow:
    class_id: int
    label: str
    students: int = 0
    attested: int = 0
    passed: int = 0      # успевают
    good: int = 0        # на «4» и «5»
    failing: list = field(default_factory=list)  # (student id, name, [(subject, code, course id)])

    @property
    def progress(self) -> float | None:
        return share(self.passed, self.attested)

    @property
    def quality(self) -> float | None:
        return share(self.good, self.attested)


@dataclass
class Report:
    needs_period: bool = False
    classes: list[ClassRow] = field(default_factory=list)
    school: ClassRow = field(default_factory=lambda: ClassRow(0, ""))

    def sheets(self) -> list[Sheet]:
        head = [_("Students"), _("With period marks"), _("All marks satisfactory or better"),
                _("All marks good or better"), _("Progress (успеваемость)"), _("Quality (качество)")]

        def line(r: ClassRow, label: str) -> list:
            return [label, r.students, r.attested, r.passed, r.good, r.progress, r.quality]
        rows = [line(c, c.label) for c in self.classes] + [line(self.school, _("School"))]
        failing = [[c.label, name, subject, code] for c in self.classes for _sid, name, marks in c.failing
                   for subject, code, _course in marks]
        return [Sheet(_("Classes"), [_("Class"), *head], rows, percent_columns=(5, 6)),
                Sheet(_("Unsatisfactory"), [_("Class"), _("Student"), _("Subject"), _("Period mark")], failing)]


def judge(value, code: str, scale: str) -> tuple[bool, bool]:
    """(satisfactory, good) for one period mark."""
    if code in FAILING_CODES:
        return False, False
    if value is None:
        return True, True
    low, good = THRESHOLDS.get(scale, THRESHOLDS["five"])
    return value >= low, value >= good


def compute(f: Filters, lang: str) -> Report:
    report = Report()
    if not f.ready:
        return report
    if f.period is None:
        report.needs_period = True
        return report
    classes = db.session.scalars(
        select(SchoolClass).where(SchoolClass.year_id == f.year_id, SchoolClass.period_scheme == f.period.scheme,
                                  SchoolClass.marks_from.is_not(None),
                                  *([SchoolClass.id.in_(f.class_ids() or [0])] if f.class_ids() is not None else []))
        .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    if not classes:
        return report
    students = students_by_class(f, [c.id for c in classes])
    stmt = (select(Course.class_id, Course.id, PeriodMark.student_id, PeriodMark.code, PeriodMark.scale,
                   ScaleValue.value, Subject.name_ru, Subject.name_uk, Subject.name_crh)
            .join(Course, Course.id == PeriodMark.course_id).join(Subject, Subject.id == Course.subject_id)
            .join(ScaleValue, (ScaleValue.scale == PeriodMark.scale) & (ScaleValue.code == PeriodMark.code))
            .where(PeriodMark.kind == "period", PeriodMark.period_id == f.period.id,
                   Course.class_id.in_([c.id for c in classes])))
    if f.subject_id is not None:
        stmt = stmt.where(Course.subject_id == f.subject_id)
    if f.teacher_id is not None:
        stmt = stmt.where(Course.teacher_id == f.teacher_id)
    marks = defaultdict(list)
    for r in db.session.execute(stmt):
        marks[(r.class_id, r.student_id)].append(r)
    for klass in classes:
        row = ClassRow(klass.id, klass.label)
        for student_id, name in students.get(klass.id, []):
            row.students += 1
            own = marks.get((klass.id, student_id))
            if not own:
                continue
            row.attested += 1
            judged = [(r, *judge(r.value, r.code, r.scale)) for r in own]
            if all(ok for _r, ok, _g in judged):
                row.passed += 1
            else:
                row.failing.append((student_id, name, [(subject_name(r, lang), r.code, r.id)
                                                       for r, ok, _g in judged if not ok]))
            if all(good for _r, _ok, good in judged):
                row.good += 1
        report.classes.append(row)
        for name in ("students", "attested", "passed", "good"):
            setattr(report.school, name, getattr(report.school, name) + getattr(row, name))
    return report
