"""What families are told, and who: the families' choices, the unsubscribe tokens, the notices' content.

The register's writes (school/register/) stay as they are: the notices are written by the worker's tasks at
their hour from the facts of the day (absences), of the week (the digest) and since the last run (results).
Each task writes its outbox rows, and for results its high-water mark, in one transaction: the task run is the
notices' cause, and a run that fails leaves neither. Every notice has an idempotency key (kind, guardian,
student, day or week or run): a task that runs twice, or on two workers, queues nothing twice.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app, render_template, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from school import access, audit, clock, week
from school.extensions import db
from school.i18n import as_locale
from school.models import (NOTICE_KINDS, Attendance, Enrolment, Guardianship, Lesson, NoticeMark, NoticePreference,
                           PeriodMark, Person, School, SchoolClass, Student, User)
from school.notices import outbox
from school.queries import current_year_id
from school.register.attendance import absence_kind
from school.register.roster import covers

# A family that never chose is sent these kinds (and can turn each off on its page or by the link in the mail).
NOTICE_DEFAULTS = {"absence": True, "digest": True, "result": True, "timetable": False, "message": True}
# The kinds offered on the family's page: all of them.
OFFERED_KINDS = NOTICE_KINDS
UNSUBSCRIBE_DAYS = 90
# The absence notice counts these; late arrivals too when NOTICE_LATE_ARRIVALS is set.
ABSENCE_CODES = ("absent", "ill", "excused")
# The digest goes out on Saturday (Monday = 0), at the school's notice hour.
DIGEST_WEEKDAY = 5


def kind_labels() -> dict[str, str]:
    return {"absence": _("Absences on the day"), "digest": _("Weekly digest of marks and homework"),
            "result": _("Period, year and exam results"), "timetable": _("Timetable changes for tomorrow"),
            "message": _("New messages from the school")}


# ---------------------------------------------------------------- choices

def wants(person_id: int, kind: str) -> bool:
    chosen = db.session.scalar(select(NoticePreference.enabled).where(NoticePreference.person_id == person_id,
                                                                      NoticePreference.kind == kind))
    return NOTICE_DEFAULTS[kind] if chosen is None else chosen


def preferences(person_id: int) -> dict[str, bool]:
    chosen = dict(db.session.execute(select(NoticePreference.kind, NoticePreference.enabled)
                                     .where(NoticePreference.person_id == person_id)).all())
    return {k: chosen.get(k, NOTICE_DEFAULTS[k]) for k in NOTICE_KINDS}


def _store(person_id: int, kind: str, enabled: bool) -> bool:
    row = db.session.scalar(select(NoticePreference).where(NoticePreference.person_id == person_id,
                                                           NoticePreference.kind == kind))
    before = NOTICE_DEFAULTS[kind] if row is None else row.enabled
    if row is None:
        db.session.add(NoticePreference(person_id=person_id, kind=kind, enabled=enabled, changed_at=clock.now()))
    elif row.enabled != enabled:
        row.enabled, row.changed_at = enabled, clock.now()
    return before != enabled


def set_preferences(user: User, chosen: dict[str, bool]) -> None:
    """A guardian's own choices (only their own: the person is the user's)."""
    if "parent" not in access.user_roles(user):
        raise PermissionError("only a guardian chooses the notices they receive")
    changed = [k for k, on in chosen.items() if k in NOTICE_KINDS and _store(user.person_id, k, on)]
    if changed:
        audit.record("notices.preferences", f"person:{user.person_id}",
                     ", ".join(f"{k}={'on' if chosen[k] else 'off'}" for k in changed), user_id=user.id)
    db.session.commit()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="notices.unsubscribe")


def unsubscribe_token(person_id: int, kind: str) -> str:
    return _serializer().dumps({"p": person_id, "k": kind})


def read_token(token: str) -> tuple[Person, str] | None:
    """The person and kind a token names, or None when it is forged, expired or names nobody."""
    try:
        data = _serializer().loads(token, max_age=UNSUBSCRIBE_DAYS * 86400)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or data.get("k") not in NOTICE_KINDS or not isinstance(data.get("p"), int):
        return None
    person = db.session.get(Person, data["p"])
    return (person, data["k"]) if person is not None else None


def unsubscribe(token: str) -> tuple[Person, str] | None:
    """The link's one click: the kind turned off for the person the signed token names (no login: the token is
    the proof, and it names one person and one kind)."""
    found = read_token(token)
    if found is None:
        return None
    person, kind = found
    if _store(person.id, kind, False):
        audit.record("notices.unsubscribe", f"person:{person.id}", kind)
    db.session.commit()
    return found


# ---------------------------------------------------------------- composing

@dataclass
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)


def display_name(person: Person) -> str:
    return f"{person.name} {person.surname}"


def _guardians(student_id: int, kind: str) -> list[Person]:
    people = db.session.scalars(select(Person).join(Guardianship, Guardianship.guardian_id == Person.id)
                                .where(Guardianship.student_id == student_id).order_by(Person.id)).all()
    return [p for p in people if p.email and "@" in p.email and wants(p.id, kind)]


def _queue_for(student: Student, kind: str, key: str, subject, sections, people: list[Person] | None = None,
               lang: str | None = None, link_url: str | None = None) -> int:
    """One notice per guardian of the student who wants this kind (or per person given), in the family's
    statement language (or the language given)."""
    count = 0
    lang = lang or student.statement_language
    for person in (_guardians(student.id, kind) if people is None else people):
        link = url_for("notices.unsubscribe", token=unsubscribe_token(person.id, kind), _external=True)
        with force_locale(as_locale(lang)):
            subj = subject()
            parts = sections()
            school = db.session.get(School, 1)
            args = dict(subject=subj, sections=parts, unsubscribe_url=link, lang=lang,
                        school_label=school.name(lang) if school else _("the school"),
                        diary_url=link_url or url_for("diary.index", _external=True), kind_label=kind_labels()[kind],
                        link_label=_("Open the conversation") if link_url else _("Open the diary"))
            text = render_template("notices/mail.txt", **args)
            html = render_template("notices/mail.html", **args)
        if outbox.queue(key=f"{key}:{person.id}", kind=kind, to=person.email, language=lang, subject=subj,
                        text=text, html=html, person_id=person.id, student_id=student.id, unsubscribe_url=link):
            count += 1
    return count


def message_notices(thread, message) -> int:
    """A new message: an e-mail to the other side of the thread who want it (in the caller's transaction)."""
    student = db.session.get(Student, thread.student_id)
    author = db.session.get(User, message.author_id)
    if author.id == thread.teacher_id:
        people, lang = _guardians(student.id, "message"), None
    else:
        teacher = db.session.get(User, thread.teacher_id)
        person = teacher.person
        wanted = person.email and "@" in person.email and wants(person.id, "message")
        people, lang = ([person] if wanted else []), teacher.language
    if not people:
        return 0
    name = display_name(student.person)
    excerpt = " ".join(message.body.split())
    excerpt = excerpt if len(excerpt) <= 300 else excerpt[:299] + "…"

    def subject():
        return _("%(name)s: a new message — %(topic)s", name=name, topic=thread.topic)

    def sections():
        return [Section(_("From %(name)s", name=author.person.full_name), [excerpt])]

    link = url_for("messages.show_thread", thread_id=thread.id, _external=True)
    return _queue_for(student, "message", f"message:{message.id}", subject, sections, people=people, lang=lang,
                      link_url=link)


def _lesson_subject(lesson: Lesson) -> str:
    return lesson.course.subject.name(_current_lang())


def _current_lang() -> str:
    from flask_babel import get_locale
    return str(get_locale()).split("_")[0]


def absence_notices(day: dt.date) -> int:
    """The day's absences (and late arrivals when the school wants them), one notice per student and guardian."""
    codes = ABSENCE_CODES + (("late",) if current_app.config.get("NOTICE_LATE_ARRIVALS") else ())
    rows = db.session.scalars(select(Attendance).join(Lesson, Lesson.id == Attendance.lesson_id)
                              .where(Lesson.day == day, Lesson.state != "cancelled", Attendance.code.in_(codes))
                              .order_by(Attendance.student_id, Lesson.number)).all()
    by_student: dict[int, list[Attendance]] = {}
    for a in rows:
        by_student.setdefault(a.student_id, []).append(a)
    count = 0
    for student_id, marks in by_student.items():
        student = db.session.get(Student, student_id)
        name = display_name(student.person)
        late_only = all(a.code == "late" for a in marks)

        def subject(name=name, late_only=late_only):
            date = format_date(day, "d MMMM")
            if late_only:
                return _("%(name)s: late on %(date)s", name=name, date=date)
            return _("%(name)s: absent on %(date)s", name=name, date=date)

        def sections(marks=marks):
            # The class teacher's reason, when recorded by the notice hour, wins over the subject teacher's code.
            kinds = {"unexcused": _("absent"), "ill": _("absent, ill"), "excused": _("absent, excused"),
                     None: _("late")}
            lines = [_("Lesson %(number)d, %(subject)s: %(what)s", number=a.lesson.number,
                       subject=_lesson_subject(a.lesson), what=kinds[absence_kind(a)]) for a in marks]
            return [Section(format_date(day, "EEEE, d MMMM"), lines)]

        count += _queue_for(student, "absence", f"absence:{student_id}:{day.isoformat()}", subject, sections)
    return count


@dataclass
class Digest:
    """The week of a student as the printed statement has it (week.days and week.totals, the same path)."""
    student: Student
    first: dt.date
    last: dt.date
    days: list[week.Day]
    totals: object
    tests: list[week.LessonItem]

    def marks(self) -> list[tuple[dt.date, int, str]]:
        """(day, course id, code) of every mark of the week, in order."""
        return [(d.date, item.course.id, m.code) for d in self.days for item in d.lessons for m in item.marks]


def digest_of(student: Student, monday: dt.date) -> Digest:
    sunday = monday + dt.timedelta(days=6)
    days = week.days(student.id, monday, sunday)
    shown = [d for d in days if d.school_class is not None and (d.date.weekday() < 6 or d.lessons)]
    coming = week.days(student.id, sunday + dt.timedelta(days=1), sunday + dt.timedelta(days=7))
    tests = [item for d in coming for item in d.lessons if item.lesson is not None and item.lesson.work_kind
             and item.lesson.work_kind.is_test and not item.cancelled]
    return Digest(student, monday, sunday, shown, week.totals(shown), tests)


def digest_sections(digest: Digest) -> list[Section]:
    lang = _current_lang()
    marks = Section(_("Marks"))
    homework = Section(_("Homework"))
    for d in digest.days:
        for item in d.lessons:
            if item.marks:
                marks.lines.append(_("%(date)s, %(subject)s: %(codes)s", date=format_date(d.date, "EEE d MMM"),
                                     subject=item.course.subject.name(lang),
                                     codes=", ".join(m.code for m in item.marks)))
            if item.lesson is not None and item.lesson.homework and not item.cancelled:
                homework.lines.append(_("%(date)s, %(subject)s: %(text)s", date=format_date(d.date, "EEE d MMM"),
                                        subject=item.course.subject.name(lang), text=item.lesson.homework))
    t = digest.totals
    absences = Section(_("Attendance"), [
        _("Lessons missed: %(total)d (ill %(ill)d, excused %(excused)d, unexcused %(unexcused)d); late: %(late)d",
          total=t.ill + t.excused + t.unexcused, ill=t.ill, excused=t.excused, unexcused=t.unexcused, late=t.late)])
    tests = Section(_("Tests next week"), [
        _("%(date)s, %(subject)s: %(kind)s", date=format_date(item.lesson.day, "EEE d MMM"),
          subject=item.course.subject.name(lang), kind=item.lesson.work_kind.name(lang)) for item in digest.tests])
    if not marks.lines:
        marks.lines.append(_("No marks this week."))
    if not homework.lines:
        homework.lines.append(_("No homework was set this week."))
    if not tests.lines:
        tests.lines.append(_("No tests are planned."))
    return [marks, absences, homework, tests]


def _students_of_year() -> list[Student]:
    year_id = current_year_id()
    if year_id is None:
        return []
    today = clock.today()
    enrolments = db.session.scalars(select(Enrolment).join(SchoolClass, SchoolClass.id == Enrolment.class_id)
                                    .where(SchoolClass.year_id == year_id)).all()
    ids = sorted({e.student_id for e in enrolments if covers(e.from_day, e.to_day, today)})
    return db.session.scalars(select(Student).where(Student.id.in_(ids or [0])).order_by(Student.id)).all()


def digest_notices(monday: dt.date) -> int:
    """The week's digest for every student who has guardians that want it."""
    count = 0
    for student in _students_of_year():
        if not _guardians(student.id, "digest"):
            continue
        digest = digest_of(student, monday)
        if not digest.days:
            continue
        name = display_name(student.person)

        def subject(name=name):
            return _("%(name)s: the week of %(first)s – %(last)s", name=name,
                     first=format_date(monday, "d MMMM"), last=format_date(digest.last, "d MMMM"))

        count += _queue_for(student, "digest", f"digest:{student.id}:{monday.isoformat()}", subject,
                            lambda digest=digest: digest_sections(digest))
    return count


def result_notices(now: dt.datetime) -> int:
    """Period, year and exam results set since the last run (the mark moves in the same transaction)."""
    mark = db.session.get(NoticeMark, "results")
    since = mark.upto if mark is not None else now - dt.timedelta(days=1)
    rows = db.session.scalars(select(PeriodMark).where(PeriodMark.set_at > since, PeriodMark.set_at <= now)
                              .order_by(PeriodMark.student_id, PeriodMark.id)).all()
    by_student: dict[int, list[PeriodMark]] = {}
    for pm in rows:
        by_student.setdefault(pm.student_id, []).append(pm)
    count = 0
    for student_id, results in by_student.items():
        student = db.session.get(Student, student_id)
        name = display_name(student.person)

        def subject(name=name):
            return _("%(name)s: new results", name=name)

        def sections(results=results):
            from school.models import Course, Period
            lang = _current_lang()
            lines = []
            for pm in results:
                course = db.session.get(Course, pm.course_id)
                if pm.kind == "period":
                    period = db.session.get(Period, pm.period_id)
                    what = _("period %(number)d", number=period.number)
                else:
                    what = {"year": _("year"), "exam": _("exam"), "final": _("final")}[pm.kind]
                lines.append(_("%(subject)s, %(what)s: %(code)s", subject=course.subject.name(lang), what=what,
                               code=pm.code))
            return [Section(_("Results"), lines)]

        count += _queue_for(student, "result", f"result:{student_id}:{since.isoformat()}", subject, sections)
    if mark is None:
        db.session.add(NoticeMark(name="results", upto=now))
    else:
        mark.upto = now
    return count


def timetable_notices(day: dt.date) -> int:
    """The changes of that day's lessons recorded so far (substitutions; moves, cancellations and extra lessons as
    the administration records them), one notice per student and guardian who chose them, told the day before."""
    from school.models import Course, LessonChange
    from school.register.roster import roster

    changes = db.session.scalars(select(LessonChange).where(LessonChange.day == day)
                                 .order_by(LessonChange.id)).all()
    latest: dict[int, LessonChange] = {}
    for change in changes:  # the last change of a lesson is what holds
        latest[change.lesson_id] = change
    by_student: dict[int, list[tuple[Lesson, LessonChange]]] = {}
    for lesson_id, change in latest.items():
        lesson = db.session.get(Lesson, lesson_id)
        course = db.session.get(Course, lesson.course_id)
        for row in roster(course.class_id, course.subgroup_id, day, day):
            by_student.setdefault(row.student_id, []).append((lesson, change))
    count = 0
    for student_id, items in by_student.items():
        student = db.session.get(Student, student_id)
        name = display_name(student.person)
        items.sort(key=lambda pair: pair[0].number)

        def subject(name=name):
            return _("%(name)s: timetable changes on %(date)s", name=name, date=format_date(day, "d MMMM"))

        def sections(items=items):
            lines = []
            for lesson, change in items:
                what = {"substitution": _("substitution"), "moved": _("moved"), "cancelled": _("cancelled"),
                        "extra": _("extra lesson")}[change.kind]
                if change.kind == "substitution" and change.substitute_id:
                    what = _("substitution: %(name)s", name=db.session.get(User, change.substitute_id).person.short_name)
                lines.append(_("Lesson %(number)d, %(subject)s: %(what)s", number=lesson.number,
                               subject=_lesson_subject(lesson), what=what))
            return [Section(format_date(day, "EEEE, d MMMM"), lines)]

        count += _queue_for(student, "timetable", f"timetable:{student_id}:{day.isoformat()}", subject, sections)
    return count


# ---------------------------------------------------------------- the worker's tick

def school_hour() -> int:
    school = db.session.get(School, 1)
    return school.notice_hour if school is not None else 16


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    """What the worker does every few minutes: the notices that are due, each task in its own transaction,
    then the outbox sent. Safe to run at any time and as often as wanted (the keys)."""
    now = now or clock.now()
    done = {}
    base = current_app.config["PUBLIC_URL"]
    with current_app.test_request_context("/", base_url=base):
        hour = school_hour()
        tasks = [("result", lambda: result_notices(now))]
        if now.hour >= hour:
            tasks.append(("absence", lambda: absence_notices(now.date())))
            tasks.append(("timetable", lambda: timetable_notices(now.date() + dt.timedelta(days=1))))
            if now.weekday() == DIGEST_WEEKDAY:
                tasks.append(("digest", lambda: digest_notices(now.date() - dt.timedelta(days=now.weekday()))))
        for name, task in tasks:
            try:
                done[name] = task()
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
    done.update(outbox.send_due(now))
    return done
