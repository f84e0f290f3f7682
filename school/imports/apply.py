"""Apply a plan: one transaction that makes the plan again from the same rows (the database may have changed since
the preview), refuses while any error remains, and writes every row or none. Each apply leaves an ImportRun and an
audit event; a refused one too (in its own transaction, after the rollback)."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from school import audit, clock
from school.extensions import db
from school.imports.plan import Plan, make_plan


ENROLMENT_BATCH = 50


class PlanRefused(Exception):
    def __init__(self, plan: Plan, run) -> None:
        super().__init__("the plan has errors")
        self.plan, self.run = plan, run


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_run(kind: str, file_name: str, digest: str, user_id: int | None, stored_name: str | None = None):
    from school.models import ImportRun

    return ImportRun(kind=kind, state="previewed", file_name=file_name[:255], stored_name=stored_name,
                     sha256=digest, user_id=user_id, created_at=clock.now())


def _count(run, plan: Plan, state: str) -> None:
    counts = plan.counts
    run.state = state
    run.rows_new, run.rows_updated = counts["new"], counts["updated"]
    run.rows_unchanged, run.rows_error = counts["unchanged"], counts["error"]


def apply(kind: str, rows: list[list[str]], *, file_name: str, digest: str, user_id: int | None, run=None):
    """Write the plan of these rows; returns (plan, run). Raises PlanRefused (nothing written but the refused
    run) when the plan has an error."""
    from school.models import ImportRun

    run_id = run.id if run is not None else None
    try:
        plan = make_plan(kind, rows)
        if plan.has_errors:
            raise PlanRefused(plan, None)
        {"people": _write_people, "staff": _write_staff, "classes": _write_classes}[kind](plan)
        run = db.session.get(ImportRun, run_id) if run_id else new_run(kind, file_name, digest, user_id)
        db.session.add(run)
        _count(run, plan, "applied")
        run.applied_at = clock.now()
        db.session.flush()
        _audit(run, "import_applied", user_id)
        db.session.commit()
        return plan, run
    except PlanRefused as refused:
        db.session.rollback()
        run = db.session.get(ImportRun, run_id) if run_id else new_run(kind, file_name, digest, user_id)
        db.session.add(run)
        _count(run, refused.plan, "refused")
        db.session.flush()
        _audit(run, "import_refused", user_id)
        db.session.commit()
        raise PlanRefused(refused.plan, run) from None
    except BaseException:
        db.session.rollback()
        raise


def _audit(run, action: str, user_id: int | None) -> None:
    audit.record(action, f"import_run:{run.id}",
                 f"kind={run.kind} file={run.file_name} sha256={run.sha256} new={run.rows_new} "
                 f"updated={run.rows_updated} unchanged={run.rows_unchanged} errors={run.rows_error}",
                 user_id=user_id)


def _set_if_given(obj, fields: dict, names) -> None:
    for name in names:
        if fields.get(name) is not None and fields[name] != getattr(obj, name):
            setattr(obj, name, fields[name])


def _write_people(plan: Plan) -> None:
    from school.models import Enrolment, Guardianship, Person, Student

    start = plan.context["start"]
    student_ids = [r.ref["student_id"] for r in plan.rows if r.ref["student_id"]]
    students = {s.id: s for s in _in_chunks(Student, Student.id, student_ids)}
    guardian_ids = {g["ref"][1] for r in plan.rows for g in r.ref["guardians"] if g["ref"][0] == "person"}
    persons = {p.id: p for p in _in_chunks(Person, Person.id, list(guardian_ids))}
    links = {(gs.guardian_id, gs.student_id): gs for gs in _in_chunks(Guardianship, Guardianship.student_id,
                                                                      student_ids)}
    new_students = []
    for row in plan.rows:
        if not row.ref["student_id"]:
            fields, extra = row.ref["fields"], row.ref["student"]
            student = Student(person=Person(**fields), **{k: v for k, v in extra.items() if v is not None})
            db.session.add(student)
            new_students.append(student)
    # Ids first: the enrolment check of every flush (school/integrity.py) tells students apart by id.
    db.session.flush()
    created = iter(new_students)
    enrolled = 0
    new_guardians: dict[tuple, Person] = {}
    for row in plan.rows:
        ref = row.ref
        fields, extra = ref["fields"], ref["student"]
        if ref["student_id"]:
            student = students[ref["student_id"]]
            _set_if_given(student.person, fields, ("phone", "email"))
            _set_if_given(student, extra, ("delivery", "statement_language", "consent_date"))
        else:
            student = next(created)
        if ref["enrol"]:
            db.session.add(Enrolment(student_id=student.id, class_id=ref["class_id"], from_day=start))
            enrolled += 1
            if enrolled % ENROLMENT_BATCH == 0:
                # The enrolment check of each flush compares the flush's new enrolments pairwise: small flushes.
                db.session.flush()
        for g in ref["guardians"]:
            gf = g["fields"]
            kind, value = g["ref"]
            if kind == "person":
                guardian = persons[value]
            elif value in new_guardians:
                guardian = new_guardians[value]
            else:
                guardian = new_guardians[value] = Person(surname=gf["surname"], name=gf["name"],
                                                         patronymic=gf["patronymic"] or None)
                db.session.add(guardian)
            _set_if_given(guardian, gf, ("phone", "email"))
            link = links.get((guardian.id, student.id)) if guardian.id and student.id else None
            if link is None:
                db.session.add(Guardianship(guardian=guardian, student=student, relation=gf["relation"] or "other"))
            elif gf["relation"]:
                link.relation = gf["relation"]
    db.session.flush()


def _write_staff(plan: Plan) -> None:
    from school.models import PendingStaffRole, Person, StaffRole, User

    ids = [r.ref["person_id"] for r in plan.rows if r.ref["person_id"]]
    persons = {p.id: p for p in _in_chunks(Person, Person.id, ids)}
    users = {u.person_id: u for u in _in_chunks(User, User.person_id, ids)}
    pending = {(p.person_id, p.role) for p in _in_chunks(PendingStaffRole, PendingStaffRole.person_id, ids)}
    for row in plan.rows:
        ref = row.ref
        if ref["person_id"]:
            person = persons[ref["person_id"]]
            _set_if_given(person, ref["fields"], ("phone", "email"))
        else:
            person = Person(**ref["fields"])
            db.session.add(person)
            db.session.flush()
        user = users.get(person.id)
        for role in ref["roles"]:
            if user is not None:
                if role not in user.staff_roles:
                    user.roles.append(StaffRole(role=role))
            elif (person.id, role) not in pending:
                db.session.add(PendingStaffRole(person_id=person.id, role=role))
                pending.add((person.id, role))
    db.session.flush()


def _write_classes(plan: Plan) -> None:
    from school.models import AcademicYear, SchoolClass

    today = clock.today()
    year = db.session.scalar(select(AcademicYear).where(AcademicYear.first_day <= today,
                                                       AcademicYear.last_day >= today))
    for row in plan.rows:
        ref = row.ref
        if ref["class_id"]:
            klass = db.session.get(SchoolClass, ref["class_id"])
            if ref["teacher_id"] is not None:
                klass.class_teacher_id = ref["teacher_id"]
            if ref["scheme"] is not None:
                klass.period_scheme = ref["scheme"]
            if ref["marks_from"] is not None:
                klass.marks_from = ref["marks_from"]
        else:
            grade = ref["grade"]
            db.session.add(SchoolClass(
                year_id=year.id, grade=grade, letter=ref["letter"], class_teacher_id=ref["teacher_id"],
                period_scheme=ref["scheme"] or ("halves" if grade >= 10 else "quarters"),
                marks_from=None if grade == 1 else ref["marks_from"] or year.first_day))
    db.session.flush()


def _in_chunks(model, column, ids: list[int], size: int = 500):
    """Rows whose column is among ids, a chunk of ids per query (PostgreSQL and SQLite cap parameters)."""
    out = []
    for i in range(0, len(ids), size):
        out.extend(db.session.scalars(select(model).where(column.in_(ids[i:i + size]))))
    return out
