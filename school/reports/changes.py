"""Report 7: substituted, moved and cancelled lessons within the filters (any day of the range: a cancellation
ahead is a change too), with the latest recorded reason; counts per teacher. Two queries."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from school.extensions import db
from school.models import Course, Lesson, LessonChange, Person, SchoolClass, Subject, User
from school.reports.common import Sheet, class_label, subject_name
from school.reports.filters import Filters, person_label

KINDS = ("substitution", "moved", "cancelled")


@dataclass
class Line:
    lesson_id: int
    day: dt.date
    number: int
    class_label: str
    subject: str
    teacher: str          # the course's teacher
    kind: str
    substitute: str | None
    reason: str | None


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    teachers: dict = field(default_factory=lambda: defaultdict(lambda: dict.fromkeys(KINDS, 0)))

    def sheets(self) -> list[Sheet]:
        return [Sheet(_("Teachers"), [_("Teacher"), _("Substituted"), _("Moved"), _("Cancelled")],
                      [[t, c["substitution"], c["moved"], c["cancelled"]] for t, c in sorted(self.teachers.items())]),
                Sheet(_("Lessons"), [_("Date"), _("Lesson"), _("Class"), _("Subject"), _("Teacher"), _("Change"),
                                     _("Substitute"), _("Reason")],
                      [[x.day, x.number, x.class_label, x.subject, x.teacher, kind_label(x.kind), x.substitute,
                        x.reason] for x in self.lines])]


def kind_label(kind: str) -> str:
    return {"substitution": _("substituted"), "moved": _("moved"), "cancelled": _("cancelled")}[kind]


def compute(f: Filters, lang: str) -> Report:
    report = Report()
    if not f.ready:
        return report
    teacher_user, teacher_person = aliased(User), aliased(Person)
    sub_user, sub_person = aliased(User), aliased(Person)
    moved = select(LessonChange.lesson_id).where(LessonChange.kind == "moved")
    # The course's teacher here, not the substitute: the report is about the lessons a teacher did not give.
    stmt = (select(Lesson.id, Lesson.day, Lesson.number, Lesson.state, Lesson.substitute_id, SchoolClass.grade,
                   SchoolClass.letter, Subject.name_ru, Subject.name_uk, Subject.name_crh,
                   Course.teacher_id, teacher_person.surname, teacher_person.name, teacher_person.patronymic,
                   sub_person.surname.label("s_surname"), sub_person.name.label("s_name"),
                   sub_person.patronymic.label("s_patronymic"))
            .select_from(Lesson).join(Course, Course.id == Lesson.course_id)
            .join(SchoolClass, SchoolClass.id == Course.class_id).join(Subject, Subject.id == Course.subject_id)
            .join(teacher_user, teacher_user.id == Course.teacher_id)
            .join(teacher_person, teacher_person.id == teacher_user.person_id)
            .outerjoin(sub_user, sub_user.id == Lesson.substitute_id)
            .outerjoin(sub_person, sub_person.id == sub_user.person_id)
            .where(*f.course_filter(), Lesson.day >= f.first, Lesson.day <= f.last,
                   or_(Lesson.state == "cancelled", Lesson.substitute_id.is_not(None), Lesson.id.in_(moved)))
            .order_by(Lesson.day, Lesson.number))
    if f.teacher_id is not None:
        stmt = stmt.where(or_(Course.teacher_id == f.teacher_id, Lesson.substitute_id == f.teacher_id))
    rows = db.session.execute(stmt).all()
    reasons, moves = {}, set()
    if rows:
        for lesson_id, kind, reason in db.session.execute(
                select(LessonChange.lesson_id, LessonChange.kind, LessonChange.reason)
                .where(LessonChange.lesson_id.in_([r.id for r in rows]))
                .order_by(LessonChange.changed_at, LessonChange.id)):
            reasons[lesson_id] = reason or reasons.get(lesson_id)
            if kind == "moved":
                moves.add(lesson_id)
    for r in rows:
        kind = "cancelled" if r.state == "cancelled" else "moved" if r.id in moves else "substitution"
        teacher = person_label(r.surname, r.name, r.patronymic)
        report.teachers[teacher][kind] += 1
        report.lines.append(Line(r.id, r.day, r.number, class_label(r), subject_name(r, lang), teacher, kind,
                                 person_label(r.s_surname, r.s_name, r.s_patronymic) if r.substitute_id else None,
                                 reasons.get(r.id)))
    return report

