"""Who may use what.

Every view declares its audience with @allow(...) or @public; a view without a declaration is refused
(fail closed). The conventions, the same everywhere:
  not logged in            -> redirect to /login (htmx: HX-Redirect)
  role not allowed here    -> 403
  object outside the scope -> 404 (another family's child, another teacher's course, a forged id)
"""
from __future__ import annotations

from functools import cache
from typing import NamedTuple

from flask import abort, current_app, g, request, url_for
from flask_login import current_user
from sqlalchemy import Date, bindparam, exists, func, select, true, union_all

from school import MAX_ID
from school.extensions import db
from school.htmx import redirect_to

ROLES = ("admin", "director", "deputy", "teacher", "secretary", "class_teacher", "parent", "student")
ANY = "any"          # any logged-in user
PUBLIC = "public"    # no login
ADMINISTRATION = frozenset({"admin", "director", "deputy"})   # read the whole register, write none of it


def allow(*roles: str, write: tuple[str, ...] | None = None):
    """Who may use the view; `write` narrows who may send unsafe methods (POST…) to it — the others
    may read it, and get 403 when they try to write."""
    unknown = (set(roles) | set(write or ())) - set(ROLES) - {ANY}
    if unknown or not roles:
        raise ValueError(f"unknown roles {unknown}")

    def decorate(view):
        view.__access__ = frozenset(roles)
        view.__write__ = frozenset(write) if write is not None else frozenset(roles)
        return view
    return decorate


def may_use(view, roles: frozenset[str], method: str) -> bool:
    """The declaration applied to a set of roles (the matrix test reads the same function)."""
    access = view.__access__
    if PUBLIC in access or ANY in access:
        return True
    allowed = getattr(view, "__write__", access) if method not in ("GET", "HEAD", "OPTIONS") else access
    return bool(roles & allowed)


def public(view):
    view.__access__ = frozenset({PUBLIC})
    return view


@cache
def login_statement(page: bool = False):
    """The user loader's one query a request, as plain columns (the Login's): the login, its staff roles (one
    string), whether it holds the roles derived from relations (a class teacher this year, a guardian, a
    student), and the current year's id (`year_id`, what queries.current_year_id answers: most pages ask it).
    Parameters: id, today.

    page: the request shows a page, whose navigation has `unread`, the number of messages of the user's threads
    they have not opened, and the home page the user's first name: both read here, at no statement of their own.
    A save or a partial update reads neither."""
    from school.messages.service import unread_of
    from school.models import Guardianship, Person, SchoolClass, StaffRole, Student, User
    from school.queries import year_containing

    this_year = year_containing(bindparam("today", type_=Date))
    roles = select(func.aggregate_strings(StaffRole.role, ",")).where(StaffRole.user_id == User.id)
    for_page = [unread_of(User).scalar_subquery().label("unread"),
                select(Person.name).where(Person.id == User.person_id).scalar_subquery().label("first_name")
                ] if page else []
    return (select(*(getattr(User, name) for name in Login.COLUMNS),
                   roles.scalar_subquery().label("roles"),
                   exists().where(SchoolClass.class_teacher_id == User.id,
                                  SchoolClass.year_id == this_year.scalar_subquery()).label("leads"),
                   exists().where(Guardianship.guardian_id == User.person_id).label("guards"),
                   exists().where(Student.person_id == User.person_id).label("learns"),
                   this_year.scalar_subquery().label("year_id"),
                   *for_page)
            .where(User.id == bindparam("id")))


class Login:
    """The request's user as the user loader reads it: the columns of its row that requests ask for, its staff
    roles and, on a page, its first name. Plain values, not an ORM User, whose loading (with its roles) cost
    every request about 0.1 ms more. What changes the login (a password, the language, its sessions) or shows
    more of the person reads the ORM objects: `record`, `person` (a statement of their own, on those pages)."""
    COLUMNS = ("id", "person_id", "username", "language", "must_change_password", "password_changed_at", "active",
               "session_version")
    is_authenticated = True
    is_anonymous = False

    def __init__(self, row) -> None:
        for name in self.COLUMNS:
            setattr(self, name, getattr(row, name))
        self.staff_roles = frozenset(row.roles.split(",")) if row.roles else frozenset()
        self._first_name = getattr(row, "first_name", None)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def record(self):
        """The ORM User, to change it."""
        from school.models import User

        return db.session.get(User, self.id)

    @property
    def person(self):
        """The ORM Person (the profile, the notices' e-mail, a student's own diary)."""
        return self.record.person

    @property
    def first_name(self) -> str:
        return self._first_name if self._first_name is not None else self.person.name

    def __repr__(self) -> str:
        return f"<Login {self.id} {self.username}>"


def remember_roles(user, leads: bool, guards: bool, learns: bool) -> None:
    """The user's roles for this request: the stored staff roles and the derived ones."""
    held = (("class_teacher", leads), ("parent", guards), ("student", learns))
    g._roles, g._roles_user = frozenset(user.staff_roles) | {role for role, has in held if has}, user.id


def user_roles(user=None) -> frozenset[str]:
    """Stored staff roles plus the roles derived from relations, computed once per request (by the user loader
    for the request's own user)."""
    if user is None:
        # Flask-Login keeps the request's user in g once loaded: read it there (the navigation asks a dozen times
        # a page, and each trip through the current_user proxy costs more than the rest of this function).
        user = g.get("_login_user") or current_user
    if not user or not user.is_authenticated:
        return frozenset()
    cached = g.get("_roles")
    if cached is not None and g.get("_roles_user") == user.id:
        return cached
    from school import clock
    row = db.session.execute(login_statement(), {"id": user.id, "today": clock.today()}).one()
    remember_roles(user, row.leads, row.guards, row.learns)
    return g._roles


def has_role(*roles: str) -> bool:
    return bool(user_roles() & set(roles))


def login_redirect():
    return redirect_to(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def enforce():
    """before_request: apply the view's declaration."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static":
        return None
    view = current_app.view_functions[endpoint]
    access = getattr(view, "__access__", None)
    if access is None:
        current_app.logger.error("view %s declares no access; refused", endpoint)
        abort(403)
    if PUBLIC in access:
        return None
    if not current_user.is_authenticated:
        return login_redirect()
    # Stored staff roles decide most staff requests without the queries for the derived roles.
    if may_use(view, frozenset(current_user.staff_roles), request.method):
        return None
    if not may_use(view, user_roles(), request.method):
        abort(403)
    return None


def get_or_404(model, ident):
    """Fetch by primary key; anything that is not a positive integer id is a 404, never a 500."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < ident <= MAX_ID:  # past the database's integer range: a 404, never a 500
        abort(404)
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


# ---------------------------------------------------------------- object predicates
# Named once, used by routes, the register's write functions and templates alike.

def is_admin(user) -> bool:
    return "admin" in user_roles(user)


def reads_everything(user) -> bool:
    """The administration reads every register and report."""
    return bool(user_roles(user) & ADMINISTRATION)


def may_read_class(user, school_class) -> bool:
    """The whole register of a class: its class teacher and the administration."""
    return school_class.class_teacher_id == user.id or reads_everything(user)


def may_read_course(user, course, period=None) -> bool:
    """The course's teacher, the class teacher, the administration; a substitute only the periods that hold a
    lesson they substitute (never the course's other periods)."""
    if course.teacher_id == user.id or may_read_class(user, course.school_class):
        return True
    from school.models import Lesson
    condition = [Lesson.course_id == course.id, Lesson.substitute_id == user.id]
    if period is not None:
        condition += [Lesson.day >= period.first_day, Lesson.day <= period.last_day]
    return db.session.scalar(select(exists().where(*condition)))


def may_write_lesson(user, lesson) -> bool:
    """Marks, attendance, topic and homework of a lesson: the course's teacher, or the lesson's substitute."""
    return lesson.course.teacher_id == user.id or (lesson.substitute_id is not None and
                                                   lesson.substitute_id == user.id)


def may_assign_substitutes(user) -> bool:
    return bool(user_roles(user) & {"admin", "deputy"})


def may_set_reason(user, attendance) -> bool:
    """The reason of an absence: the class teacher of the student's class (002 п. 7.4)."""
    return attendance.lesson.course.school_class.class_teacher_id == user.id


class StudentName(NamedTuple):
    surname: str
    name: str


class FamilyStudent(NamedTuple):
    """A family's student as every diary page reads them (the children's names, the settings' choices): plain
    columns, not a Student with its Person, which cost each diary page about 0.1 ms more to load. What changes
    the student reads the ORM row (the diary's settings)."""
    id: int
    person_id: int
    delivery: str
    statement_language: str
    person: StudentName


def family_students(user) -> list[FamilyStudent]:
    """The children of a parent, and the student themself (first); another family's child is never here."""
    roles = user_roles(user)
    if not roles & {"parent", "student"}:
        return []
    # One query for both: the person's own student record (first) and their children.
    from school.queries import plain

    rows = [(FamilyStudent(*r[:4], StudentName(*r[4:6])), r.child)
            for r in plain(_family_statement(), {"person_id": user.person_id}).all()]
    own = [s for s, child in rows if not child and "student" in roles]
    return own + [s for s, child in rows if child and "parent" in roles and s not in own]


@cache
def _family_statement():
    """family_students' query, built once (every diary page runs it): FamilyStudent's columns and whether the
    student is a child of the person."""
    from school.models import Guardianship, Person, Student

    person = bindparam("person_id")
    columns = (Student.id.label("id"), Student.person_id, Student.delivery, Student.statement_language, Person.surname,
               Person.name)
    child = exists().where(Guardianship.student_id == Student.id, Guardianship.guardian_id == person)
    # The person's own record and their children as two selects, each an index lookup. As one select with an OR
    # (even with the children as an IN list), PostgreSQL's kept plan guessed half the school for the OR and read
    # every student and every person to find them (138 us on the demo school, growing with the school; 57 us now).
    own = select(*columns, child.label("child")).join(Person, Person.id == Student.person_id) \
        .where(Student.person_id == person)
    children = select(*columns, true().label("child")).select_from(Guardianship) \
        .join(Student, Student.id == Guardianship.student_id).join(Person, Person.id == Student.person_id) \
        .where(Guardianship.guardian_id == person, Student.person_id != person)
    both = union_all(own, children)
    return both.order_by(both.selected_columns.id)


def init_app(app) -> None:
    app.before_request(enforce)

    app.jinja_env.globals.update(user_roles=user_roles, has_role=has_role, may_write_lesson=may_write_lesson,
                                 may_assign_substitutes=may_assign_substitutes)

