"""No lesson is added to a closed year's register.

Every write of the register's Python passes rules.year_closed_refusal except lessons added from the timetable
(school.register.lessons.create_from_timetable, owned elsewhere). This listener refuses them at the flush, with
the same message, for any writer. Not a database trigger: the backups' copy between databases inserts a closed
year's lessons, and must."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from school.models import AcademicYear, Course, Lesson
from school.register.errors import RegisterError


@event.listens_for(Session, "before_flush")
def refuse_lessons_of_closed_years(session: Session, _context, _instances) -> None:
    new = [obj for obj in session.new if isinstance(obj, Lesson)]
    if not new:
        return
    with session.no_autoflush:
        closed = session.scalar(select(AcademicYear.name).join(Course, Course.year_id == AcademicYear.id)
                                .where(Course.id.in_({obj.course_id for obj in new}),
                                       AcademicYear.closed_at.is_not(None)).limit(1))
    if closed is not None:
        for obj in new:  # out of the session: the next query (the error page's) must not flush them again
            session.expunge(obj)
        raise RegisterError(_("The school year %(name)s is closed: its register can be read and printed but no "
                              "longer changed.", name=closed))
