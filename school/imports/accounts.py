"""Logins for imported people. Imports never create them (the accounts screen does, with its slips); this is the
one function it calls, so that the staff roles an import left waiting become the login's roles."""
from __future__ import annotations

from sqlalchemy import delete, select

from school.extensions import db


def create_account(person_id: int, username: str, password_hash: str, language: str = "ru",
                   must_change_password: bool = True):
    """A User for the person, with the roles imported for them (PendingStaffRole moves into StaffRole)."""
    from school.models import PendingStaffRole, StaffRole, User

    user = User(person_id=person_id, username=username.strip().lower(), password_hash=password_hash,
                language=language, must_change_password=must_change_password)
    roles = db.session.scalars(select(PendingStaffRole.role).where(PendingStaffRole.person_id == person_id)).all()
    user.roles = [StaffRole(role=role) for role in sorted(roles)]
    db.session.add(user)
    db.session.execute(delete(PendingStaffRole).where(PendingStaffRole.person_id == person_id))
    db.session.flush()
    return user


def staff_without_login():
    """The people an import named as staff who have no login yet, as a query (the accounts screen lists them)."""
    from school.models import PendingStaffRole, Person

    return select(Person).where(Person.id.in_(select(PendingStaffRole.person_id))).order_by(Person.surname,
                                                                                            Person.name)
