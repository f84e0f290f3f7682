"""People, classes, movement and accounts: the domain functions of school/people/service.py, without HTTP."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from school.extensions import db
from school.models import (AuditEvent, Enrolment, Guardianship, Person, SchoolClass, Student, Subject,
                           SubgroupMember, User)
from school.passwords import verify_password
from school.people import service
from school.people.service import FamilyChoice, PeopleError, PersonData
from school.register.roster import roster


@pytest.fixture
def req(app):
    """A request context, so that audit records and translated messages work as in a view."""
    with app.test_request_context():
        yield


def audit_actions() -> list[str]:
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


@pytest.mark.parametrize("text, latin", [
    ("Аблаева", "ablaeva"), ("Щербаков", "shcherbakov"), ("Юлия", "yuliya"),
    ("Їжакевич", "yizhakevich"),  # и is i: a name does not say which alphabet it is in
    ("Євгенія", "yevgeniya"), ("Ґалаґан", "galagan"), ("Ірина", "irina"), ("Мар'яна", "maryana"),
    ("Къуртсеитов", "qurtseitov"), ("Агъа", "agha"), ("Танъсу", "tangsu"), ("Джемиле", "jemile"),
    ("Özge Ümerov", "ozgeumerov"),
])
def test_transliteration_of_the_three_alphabets(text, latin):
    assert service.transliterate(text) == latin


def test_usernames_are_readable_unique_and_editable(app, req, ids):
    person = Person(surname="Аблаева", name="Зарема")  # the factory's parent has this name, username "parent"
    db.session.add(person)
    assert service.suggest_username(person) == "ablaeva.zarema"
    user, _ = service.add_staff(PersonData("Аблаева", "Зарема"), ["teacher"])
    assert user.username == "ablaeva.zarema"
    second, _ = service.add_staff(PersonData("Аблаева", "Зарема"), ["teacher"])
    assert second.username == "ablaeva.zarema2"
    with pytest.raises(PeopleError):
        service.rename_account(second, "Ablaeva.Zarema")  # taken, whatever the case
    with pytest.raises(PeopleError):
        service.rename_account(second, "не латиница")
    service.rename_account(second, "zarema.a")
    assert second.username == "zarema.a" and audit_actions()[-1] == "username_changed"


def test_staff_with_several_roles_edited_and_deactivated_never_deleted(app, req, ids):
    user, password = service.add_staff(PersonData("Ким", "Ольга", "Петровна", phone="+7 978"),
                                       ["teacher", "deputy"])
    assert user.must_change_password and verify_password(user.password_hash, password)
    assert user.staff_roles == {"teacher", "deputy"}
    with pytest.raises(PeopleError):
        service.add_staff(PersonData("Ким", "Ольга"), [])
    with pytest.raises(PeopleError):
        service.add_staff(PersonData("Ким", "Ольга"), ["janitor"])
    service.edit_staff(user, PersonData("Ким", "Ольга", "Петровна", phone="+7 979"), ["teacher", "secretary"],
                       user.username)
    assert user.staff_roles == {"teacher", "secretary"} and user.person.phone == "+7 979"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff_edited")).one()
    assert "phone: +7 978 → +7 979" in event.details and "deputy, teacher → secretary, teacher" in event.details
    version = user.session_version
    admin = db.session.get(User, ids["users"]["admin"])
    service.set_active(user, False, admin)
    assert not user.active and user.session_version == version + 1
    with pytest.raises(PeopleError):
        service.set_active(admin, False, admin)
    db.session.commit()
    assert db.session.get(User, user.id) is not None  # kept: their entries stay attributed


def _class(ids) -> SchoolClass:
    return db.session.get(SchoolClass, ids["class5"])


def test_classes_grade_one_without_marks_and_unique_labels(app, req, ids):
    year_id = ids["year_id"]
    with pytest.raises(PeopleError):
        service.save_class(None, year_id, 1, "Б", None, "quarters", dt.date(2026, 9, 1))
    with pytest.raises(PeopleError):
        service.save_class(None, year_id, 5, "а", None, "quarters", dt.date(2026, 9, 1))  # 5-А exists
    klass = service.save_class(None, year_id, 2, "б", ids["users"]["teacher2"], "quarters", dt.date(2027, 1, 11))
    assert klass.label == "2-Б" and audit_actions()[-1] == "class_added"
    service.save_class(klass, year_id, 2, "Б", ids["users"]["teacher2"], "halves", dt.date(2027, 1, 11))
    assert "period_scheme: quarters → halves" in db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "class_edited")).one()


def test_subgroup_moves_take_effect_only_at_a_period_start(app, req, ids):
    klass = _class(ids)
    g1 = service.add_subgroup(klass, db.session.scalar(select(Subject.id).where(Subject.short == "rus")), "1 группа")
    g2 = service.add_subgroup(klass, g1.subject_id, "2 группа")
    with pytest.raises(PeopleError):
        service.add_subgroup(klass, g1.subject_id, "2 группа")
    emil = db.session.get(Student, ids["emil"])
    assert service.period_starts(klass) == [dt.date(2026, 9, 1), dt.date(2026, 11, 5)]
    service.move_to_subgroup(g1, emil, dt.date(2026, 9, 1))
    with pytest.raises(PeopleError, match="с начала учебного периода"):
        service.move_to_subgroup(g2, emil, dt.date(2026, 11, 24))
    service.move_to_subgroup(g2, emil, dt.date(2026, 11, 5))
    rows = db.session.scalars(select(SubgroupMember).where(SubgroupMember.student_id == emil.id)
                              .order_by(SubgroupMember.from_day)).all()
    assert [(r.subgroup_id, r.from_day, r.to_day) for r in rows] == [
        (g1.id, dt.date(2026, 9, 1), dt.date(2026, 11, 4)), (g2.id, dt.date(2026, 11, 5), None)]
    assert service.subgroup_members(g1, dt.date(2026, 11, 24)) == []
    assert service.subgroup_members(g2, dt.date(2026, 11, 24)) == [emil]
    lenur = db.session.get(Student, ids["lenur"])  # in 6-А
    with pytest.raises(PeopleError):
        service.move_to_subgroup(g1, lenur, dt.date(2026, 11, 5))


def test_students_and_guardians_one_parent_of_several_children_two_guardians_of_one(app, req, ids):
    family = FamilyChoice(dt.date(2026, 9, 2), "paper", "crh")
    a = service.save_student(None, PersonData("Куртсеитова", "Лиля", birth_date=dt.date(2015, 3, 1)), family)
    b = service.save_student(None, PersonData("Куртсеитов", "Али", birth_date=dt.date(2017, 5, 1)), family)
    assert (a.delivery, a.statement_language, a.consent_date) == ("paper", "crh", dt.date(2026, 9, 2))
    mother = PersonData("Куртсеитова", "Эльвира", "Решатовна", phone="+7 978 000")
    service.link_guardian(a, "mother", data=mother)
    service.link_guardian(b, "mother", data=PersonData("куртсеитова", "Эльвира", "Решатовна"))  # the same person
    service.link_guardian(a, "father", data=PersonData("Куртсеитов", "Энвер"))
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.name == "Эльвира")) == 1
    assert db.session.scalar(select(func.count()).select_from(Guardianship)
                             .where(Guardianship.student_id == a.id)) == 2
    with pytest.raises(PeopleError):
        service.link_guardian(b, "mother", data=mother)
    service.save_student(a, PersonData("Куртсеитова", "Лиля", phone="+7 1"), FamilyChoice(None, "electronic", "ru"))
    details = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "student_edited")).one()
    assert "delivery: paper → electronic" in details and "statement_language: crh → ru" in details
    with pytest.raises(PeopleError):
        service.save_student(None, PersonData(" ", "Лиля"), family)


def test_admission_transfer_leaving_history_and_overlaps(app, req, ids):
    c5, c6 = _class(ids), db.session.get(SchoolClass, ids["class6"])
    st = service.save_student(None, PersonData("Новый", "Ученик"), FamilyChoice(None, "electronic", "ru"))
    service.admit(st, c5, dt.date(2026, 9, 10), "15-у")
    db.session.commit()
    with pytest.raises(PeopleError, match="уже числится в классе"):
        service.admit(st, c6, dt.date(2026, 10, 1), "16-у")  # school/integrity.py refuses the overlap
    db.session.rollback()
    assert len(service.history(st)) == 1
    service.transfer(st, c6, dt.date(2026, 11, 10), "20-у", "по заявлению родителей")
    service.leave(st, dt.date(2026, 11, 20), "25-у", "переезд")
    stays = [(e.class_id, e.from_day, e.to_day, e.order_in, e.order_out) for e in service.history(st)]
    assert stays == [(c5.id, dt.date(2026, 9, 10), dt.date(2026, 11, 9), "15-у", "20-у"),
                     (c6.id, dt.date(2026, 11, 10), dt.date(2026, 11, 20), "20-у", "25-у")]
    with pytest.raises(PeopleError):
        service.leave(st, dt.date(2026, 11, 24), "26-у", None)  # not in a class any more
    # the old class's register still lists the student for the days before the transfer (greyed after)
    row = next(r for r in roster(c5.id, None, dt.date(2026, 11, 5), dt.date(2026, 12, 28)) if r.student_id == st.id)
    assert row.enrolled(dt.date(2026, 11, 9)) and not row.enrolled(dt.date(2026, 11, 10))
    assert {"student_admitted", "student_transferred", "student_left"} <= set(audit_actions())


def test_a_transfer_into_the_same_class_or_before_the_stay_is_refused(app, req, ids):
    emil = db.session.get(Student, ids["emil"])
    with pytest.raises(PeopleError):
        service.transfer(emil, _class(ids), dt.date(2026, 11, 10), "1", None)
    with pytest.raises(PeopleError):
        service.transfer(emil, db.session.get(SchoolClass, ids["class6"]), dt.date(2026, 8, 1), "1", None)


def test_slips_one_account_per_parent_reset_only_when_asked(app, req, ids):
    c6 = db.session.get(SchoolClass, ids["class6"])
    family = service.class_family(c6)
    parent = db.session.get(User, ids["users"]["parent"]).person
    kinds = {p.id: (kind, len(kids)) for p, kind, kids in family}
    assert kinds[parent.id] == ("parent", 1)
    lenur = db.session.get(Student, ids["lenur"])
    made = service.slips(c6, {lenur.person_id}, reset=False)
    assert [s.kind for s in made] == ["student"] and made[0].username == "ablaev.lenur"
    user = db.session.scalar(select(User).where(User.person_id == lenur.person_id))
    assert user.must_change_password and verify_password(user.password_hash, made[0].password)
    # the existing account is left alone unless a reset is asked for
    old_hash = user.password_hash
    assert service.slips(c6, {lenur.person_id, parent.id}, reset=False) == []
    assert user.password_hash == old_hash
    again = service.slips(c6, {parent.id}, reset=True)
    parent_user = db.session.get(User, ids["users"]["parent"])
    assert again[0].username == "parent" and verify_password(parent_user.password_hash, again[0].password)
    assert parent_user.must_change_password and again[0].lang == lenur.statement_language
    assert db.session.scalar(select(func.count()).select_from(User).where(User.person_id == parent.id)) == 1
    assert audit_actions()[-2:] == ["account_created", "password_reset"]
    emil = db.session.get(Student, ids["emil"])
    with pytest.raises(PeopleError):
        service.slips(c6, {emil.person_id}, reset=False)  # not of this class
