"""A small, fully known school for tests (the demo school is too big to reason about in a test)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from school.extensions import db
from school.models import (AcademicYear, Attendance, BellTime, Course, Enrolment, Guardianship, Holiday, Lesson, Period, Person,
                           School, SchoolClass, StaffRole, Student, Subject, TimetableSlot, User, WorkKind)
from school.register import timetable
from school.passwords import hash_password

PASSWORD = "secret-pass"
TODAY = dt.date(2026, 11, 24)  # a Tuesday in the second quarter


def _user(username: str, surname: str, name: str, *roles: str, language: str = "ru", pw_hash: str) -> User:
    user = User(person=Person(surname=surname, name=name), username=username, password_hash=pw_hash,
                language=language)
    for role in roles:
        user.roles.append(StaffRole(role=role))
    db.session.add(user)
    return user


def build() -> dict:
    pw = hash_password(PASSWORD)
    s = db.session
    s.add(School(id=1, name_ru="Школа № 1", name_uk="Школа № 1", name_crh="1 номералы мектеп", scale="five",
                 edit_window_days=14))
    year = AcademicYear(name="2026/2027", first_day=dt.date(2026, 9, 1), last_day=dt.date(2027, 8, 31),
                        is_current=True)
    s.add(year)
    s.flush()
    for n, (a, b) in enumerate([((9, 1), (10, 24)), ((11, 5), (12, 28))], 1):
        s.add(Period(year_id=year.id, scheme="quarters", number=n, first_day=dt.date(2026, *a),
                     last_day=dt.date(2026, *b)))
    s.add(Holiday(year_id=year.id, first_day=dt.date(2026, 10, 25), last_day=dt.date(2026, 11, 4),
                  name_ru="Осенние каникулы", name_uk="Осінні канікули", name_crh="Кузь таътили"))
    s.add(BellTime(number=1, starts=dt.time(8, 0), ends=dt.time(8, 45)))
    s.add(BellTime(number=2, starts=dt.time(8, 55), ends=dt.time(9, 40)))

    users = {
        "admin": _user("admin", "Сейтаблаев", "Рустем", "admin", pw_hash=pw),
        "director": _user("director", "Петренко", "Олена", "director", language="uk", pw_hash=pw),
        "teacher": _user("teacher", "Абдураимова", "Эльмира", "teacher", pw_hash=pw),
        "teacher2": _user("teacher2", "Иванова", "Анна", "teacher", pw_hash=pw),
        "secretary": _user("secretary", "Кузнецова", "Мария", "secretary", pw_hash=pw),
        "parent": _user("parent", "Аблаева", "Зарема", language="crh", pw_hash=pw),
        "parent2": _user("parent2", "Смирнов", "Иван", pw_hash=pw),
        "student": _user("student", "Аблаев", "Эмиль", pw_hash=pw),
    }
    s.flush()
    math = Subject(short="math", name_ru="Математика", name_uk="Математика", name_crh="Риязиет")
    rus = Subject(short="rus", name_ru="Русский язык", name_uk="Російська мова", name_crh="Рус тили")
    s.add_all([math, rus])
    c5 = SchoolClass(year_id=year.id, grade=5, letter="А", class_teacher_id=users["teacher"].id,
                     marks_from=year.first_day)
    c6 = SchoolClass(year_id=year.id, grade=6, letter="А", class_teacher_id=users["teacher2"].id,
                     marks_from=year.first_day)
    c1 = SchoolClass(year_id=year.id, grade=1, letter="А", marks_from=None)
    s.add_all([c5, c6, c1])
    s.flush()

    def student(surname, name, klass, person=None):
        st = Student(person=person or Person(surname=surname, name=name), consent_date=dt.date(2026, 9, 1))
        s.add(st)
        s.flush()
        s.add(Enrolment(student_id=st.id, class_id=klass.id, from_day=year.first_day, order_in="1-у"))
        return st

    emil = student(None, None, c5, person=users["student"].person)
    other5 = [student(sn, n, c5) for sn, n in (("Иванов", "Иван"), ("Шевченко", "Тарас"), ("Умерова", "Алие"))]
    lenur = student("Аблаев", "Ленур", c6)
    other6 = student("Смирнова", "Анна", c6)
    student("Коваленко", "Остап", c1)
    s.add(Guardianship(guardian_id=users["parent"].person_id, student_id=emil.id, relation="mother"))
    s.add(Guardianship(guardian_id=users["parent"].person_id, student_id=lenur.id, relation="mother"))
    s.add(Guardianship(guardian_id=users["parent2"].person_id, student_id=other6.id, relation="father"))

    m5 = Course(year_id=year.id, subject_id=math.id, teacher_id=users["teacher"].id, class_id=c5.id,
                hours_per_week=Decimal(5))
    m6 = Course(year_id=year.id, subject_id=math.id, teacher_id=users["teacher"].id, class_id=c6.id,
                hours_per_week=Decimal(5))
    r5 = Course(year_id=year.id, subject_id=rus.id, teacher_id=users["teacher2"].id, class_id=c5.id,
                hours_per_week=Decimal(4))
    s.add_all([m5, m6, r5])
    s.flush()
    s.add(TimetableSlot(course_id=m5.id, weekday=TODAY.isoweekday(), lesson_number=1, room="21",
                        valid_from=year.first_day))
    s.add(TimetableSlot(course_id=m6.id, weekday=TODAY.isoweekday(), lesson_number=2, room="21",
                        valid_from=year.first_day))
    answer = s.query(WorkKind).filter_by(code="answer").one()
    lesson = Lesson(course_id=m5.id, day=TODAY, number=1, topic="Дроби", work_kind_id=answer.id)
    s.add(lesson)
    s.flush()
    absence = Attendance(lesson_id=lesson.id, student_id=other5[0].id, code="absent", set_by=users["teacher"].id,
                         set_at=dt.datetime.combine(TODAY, dt.time(8, 10)), version=1)
    s.add(absence)
    s.commit()
    timetable.generate(None, year.id)      # the year's lessons, as a school's timetable gives them
    q2 = s.query(Period).filter_by(scheme="quarters", number=2).one()
    return dict(lesson=lesson.id, absence=absence.id, q2=q2.id, year_id=year.id, class5=c5.id, class6=c6.id, class1=c1.id, math5=m5.id, math6=m6.id, rus5=r5.id,
                emil=emil.id, lenur=lenur.id, other6=other6.id, other5=[o.id for o in other5],
                users={k: u.id for k, u in users.items()})


def lesson_at(course_id: int, day: dt.date, number: int = 1, **fields) -> Lesson:
    """The lesson of a course at a day and number with these fields: the timetable's (generated for the year) when
    it gives one there, else a new one (flushed, not committed)."""
    lesson = db.session.query(Lesson).filter_by(course_id=course_id, day=day, number=number).one_or_none()
    if lesson is None:
        lesson = Lesson(course_id=course_id, day=day, number=number)
        db.session.add(lesson)
    fields.setdefault("state", "held")
    for name, value in fields.items():
        setattr(lesson, name, value)
    db.session.flush()
    return lesson
