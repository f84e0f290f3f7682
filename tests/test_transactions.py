"""How a request's transaction ends (school/transactions.py): one that only read is committed (on PostgreSQL a
rollback drops the connection's prepared statements), one that wrote and was not committed by its view is rolled
back as before, so nothing a view left half-done is ever stored."""
import pytest
from sqlalchemy import event, func, select, update

from school.access import public
from school.extensions import db
from school.models import Subject
from tests.conftest import csrf_token


@pytest.fixture
def ends(app):
    """Routes that read, flush without committing, update without committing, or fail after a flush; and the
    engine's commits and rollbacks as they happen."""
    @app.route("/_test/read")
    @public
    def read():
        return str(db.session.scalar(select(func.count(Subject.id))))

    @app.route("/_test/flush")
    @public
    def flush():
        db.session.add(Subject(short="tx1", name_ru="Тест", name_uk="Тест", name_crh="Тест"))
        db.session.flush()
        return "flushed"

    @app.route("/_test/update")
    @public
    def core_update():
        db.session.execute(update(Subject).values(name_ru="Переписано"))
        return "updated"

    @app.route("/_test/write")
    @public
    def plain_write():
        from school.queries import write
        write(update(Subject.__table__).values(name_ru="Переписано"))  # the register's writes: on the connection
        return "written"

    @app.route("/_test/pending")
    @public
    def pending():
        subject = db.session.scalar(select(Subject).limit(1))
        subject.name_ru = "Не сохранено"  # changed, never flushed
        return "pending"

    @app.route("/_test/fails")
    @public
    def fails():
        db.session.scalar(select(func.count(Subject.id)))
        raise RuntimeError("the view failed after reading")

    seen = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", lambda conn: seen.append("commit"))
    event.listen(engine, "rollback", lambda conn: seen.append("rollback"))
    return seen


def names(app):
    with app.app_context():
        return db.session.scalars(select(Subject.name_ru)).all()


def test_a_request_that_only_read_is_committed_not_rolled_back(app, client, ends):
    assert client.get("/_test/read").status_code == 200
    assert ends == ["commit"]


@pytest.mark.parametrize("route", ["/_test/flush", "/_test/update", "/_test/write", "/_test/pending"])
def test_what_a_view_wrote_and_did_not_commit_is_rolled_back(app, client, ends, route):
    before = names(app)
    ends.clear()
    assert client.get(route).status_code == 200
    assert ends == ["rollback"]
    assert names(app) == before and "Переписано" not in before and "Не сохранено" not in before


def test_a_failed_request_is_rolled_back(app, client, ends):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/_test/fails").status_code == 500
    assert "commit" not in ends and "rollback" in ends


def test_a_save_reads_its_answer_before_its_commit_and_opens_no_second_transaction(app, auth, client, ends, ids):
    """A cell save reads the row's figures inside its write transaction and commits once: no second transaction
    to read them, no rollback at all in the request."""
    from tests.test_journal import HX, cell_url, current_version
    auth.login("teacher")
    version = current_version(app, ids["lesson"], ids["emil"])
    token = csrf_token(client, "/profile")
    ends.clear()
    r = client.post(cell_url(ids["lesson"], ids["emil"]), data={"action": "5", "version": version},
                    headers={**HX, "X-CSRFToken": token})
    assert r.status_code == 200
    assert ends == ["commit"]


def test_a_plain_read_sees_what_the_session_holds_unflushed_as_the_sessions_own_read_would(app):
    """queries.plain runs column reads on the session's connection, past the ORM's execution path: it flushes
    pending objects first, as the session's autoflush does, and does not when autoflush is off."""
    from school.queries import plain

    count = select(func.count(Subject.id)).where(Subject.short.like("plain%"))
    with app.app_context():
        db.session.add(Subject(short="plain1", name_ru="Тест", name_uk="Тест", name_crh="Тест"))
        assert plain(count).scalar() == 1
        with db.session.no_autoflush:
            db.session.add(Subject(short="plain2", name_ru="Тест", name_uk="Тест", name_crh="Тест"))
            assert plain(count).scalar() == 1
        assert plain(count).scalar() == db.session.scalar(count) == 2
        db.session.rollback()


def test_a_save_reads_its_lesson_with_its_cell_in_one_statement(app, auth, client, ids):
    """Before it writes, a cell save reads its lesson (with the course and the class the checks look at), the
    cell and whether the student is in the class that day in one statement; after the write, the row's
    figures."""
    from tests.conftest import statements_during
    from tests.test_journal import HX, cell_url, current_version
    auth.login("teacher")
    token = csrf_token(client, "/profile")

    def save(student_id):
        data = {"action": "5", "version": current_version(app, ids["lesson"], student_id), "csrf_token": token}
        return statements_during(app, lambda: client.post(cell_url(ids["lesson"], student_id), data=data,
                                                          headers=HX))
    assert save(ids["emil"])[1].status_code == 200  # the first save of the process also reads the scale's codes
    seen, saved = save(ids["other5"][1])
    assert saved.status_code == 200
    reads_of_lessons = [s for s in seen if s.startswith("SELECT") and "FROM lessons" in s]
    assert len(reads_of_lessons) == 1, reads_of_lessons
    assert "marks" in reads_of_lessons[0] and "classes" in reads_of_lessons[0]
    assert [s.split()[0] for s in seen if not s.startswith("SELECT")] == ["INSERT"], seen  # a first mark
    assert not [s for s in seen if s.startswith("SELECT enrolments")], seen  # no roster of its own
    assert len(seen) == 4, seen  # the login, the lesson with the cell, the mark, the row's figures
