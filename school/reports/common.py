"""What the reports share: the held lessons of the filters as one query, names, a sheet for the XLSX export."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from school.models import Course, Lesson, Person, SchoolClass, Subject, User
from school.reports.filters import Filters


def responsible():
    """Who owes a lesson's entries: its substitute, or the course's teacher."""
    return func.coalesce(Lesson.substitute_id, Course.teacher_id)


def held_lessons(f: Filters, *columns):
    """The lessons held within the filters (state held, day not after today), with the columns asked for."""
    teacher = responsible()
    stmt = (select(*columns).select_from(Lesson).join(Course, Course.id == Lesson.course_id)
            .where(*f.course_filter(), Lesson.state == "held", Lesson.day >= f.first, Lesson.day <= f.held_until))
    if f.teacher_id is not None:
        stmt = stmt.where(teacher == f.teacher_id)
    return stmt


def lesson_columns():
    """The columns naming a lesson: course, class, subject, the responsible teacher."""
    owner = aliased(User)
    owner_person = aliased(Person)
    return ([Lesson.id.label("lesson_id"), Lesson.day, Lesson.number, Lesson.course_id, Course.class_id,
             Course.subject_id, SchoolClass.grade, SchoolClass.letter, SchoolClass.period_scheme, Subject.name_ru,
             Subject.name_uk, Subject.name_crh, responsible().label("teacher_id"), owner_person.surname, owner_person.name,
             owner_person.patronymic],
            lambda stmt: stmt.join(SchoolClass, SchoolClass.id == Course.class_id)
            .join(Subject, Subject.id == Course.subject_id)
            .join(owner, owner.id == responsible()).join(owner_person, owner_person.id == owner.person_id))


def subject_name(row, lang: str) -> str:
    return getattr(row, f"name_{lang}", None) or row.name_ru


def class_label(row) -> str:
    return f"{row.grade}-{row.letter}"


def share(part: int, whole: int) -> float | None:
    """A share 0…1, None when there is nothing to share."""
    return part / whole if whole else None


@dataclass
class Sheet:
    """One sheet of the XLSX export: a title, the column headers and rows of real values (numbers, dates)."""
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    percent_columns: tuple[int, ...] = ()   # 0-based columns holding shares 0…1

