"""How a request's transaction ends (school/transactions.py): one that only read is committed (on PostgreSQL a
rollback drops the connection's prepared statements), one that wrote and was not committed by its view is rolled
back as before, so nothing a view left half-done is ever stored."""
import pytest
from sqlalchemy import event, func, select, update

from school.access import public
from school.extensions import db
from school.models import MarkChange, Subject
from school.register.marks import cell_of
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

    @app.route("/_test/two_writes_then_fails")
    @public
    def two_writes_then_fails():
        db.session.scalar(select(func.count(Subject.id)))
        db.session.execute(update(Subject).values(name_ru="Переписано"))
        db.session.add(Subject(short="tx2", name_ru="Не сохранено", name_uk="Тест", name_crh="Тест"))
        db.session.flush()
        raise RuntimeError("the view failed after writing twice")

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
    data = {"action": "absent", "version": current_version(app, ids["lesson"], ids["other5"][1]),
            "csrf_token": token}
    seen, saved = statements_during(app, lambda: client.post(cell_url(ids["lesson"], ids["other5"][1]), data=data,
                                                             headers=HX))
    assert saved.status_code == 200
    # An attendance changes no mark: no figures read after it (the grid keeps the ones it shows).
    assert len(seen) == 3 and seen[2].startswith("INSERT INTO attendance"), seen


def test_a_get_that_wrote_twice_and_failed_stores_neither_write(app, client, ends):
    """On PostgreSQL a GET reads in autocommit; its first write opens the transaction, so the two writes are one,
    rolled back together (in autocommit the UPDATE would have stayed)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    before = names(app)
    assert client.get("/_test/two_writes_then_fails").status_code == 500
    after = names(app)
    assert after == before and "Переписано" not in after and "Не сохранено" not in after


def _connection_states(app, send):
    """(autocommit, in a transaction) of the driver's connection before each statement send() ran, and the
    statement."""
    from psycopg.pq import TransactionStatus
    seen = []

    def listener(_conn, cursor, statement, *_rest):
        connection = cursor.connection
        seen.append((connection.autocommit, connection.pgconn.transaction_status != TransactionStatus.IDLE,
                     statement.split()[0]))
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            send()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    return seen


def _skip_on_sqlite(app, why="psycopg's autocommit: SQLite's driver begins no transaction for a read anyway"):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip(why)


def test_on_postgresql_a_get_reads_without_a_transaction_and_writes_in_one(app, auth, client):
    """A GET's reads go in autocommit: no BEGIN before them, no COMMIT after (two round trips of a page's ten).
    A write in a GET (the diary's visit row) begins a transaction before it runs."""
    _skip_on_sqlite(app)
    auth.login("parent")
    states = _connection_states(app, lambda: client.get("/diary/"))
    reads = [s for s in states if s[2] == "SELECT"]
    writes = [s for s in states if s[2] != "SELECT"]
    assert len(reads) >= 5 and all(autocommit and not in_transaction for autocommit, in_transaction, _ in reads)
    assert writes and all(not autocommit for autocommit, _, _ in writes)  # the week's visit row, in a transaction
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(db.metadata.tables["diary_views"])) >= 1


def _save(app, client, ids, action, student=None):
    from tests.test_journal import HX, cell_url, current_version
    student = student or ids["emil"]
    version = current_version(app, ids["lesson"], student)
    token = csrf_token(client, "/profile")
    answer = []
    states = _connection_states(app, lambda: answer.append(client.post(
        cell_url(ids["lesson"], student), data={"action": action, "version": version},
        headers={**HX, "X-CSRFToken": token})))
    assert answer[0].status_code == 200, answer[0].get_data(as_text=True)
    return states


def test_on_postgresql_a_write_of_one_statement_stands_alone_and_one_of_two_is_one_transaction(app, auth, client,
                                                                                                ids):
    """A save reads without a transaction as a GET does. A cell's first mark and its attendance are one
    statement each: autocommitted, with no BEGIN and no COMMIT. A changed mark is its UPDATE and the line of the
    changes log: both inside one transaction, which the first of them begins."""
    _skip_on_sqlite(app)
    auth.login("teacher")
    _save(app, client, ids, "3", ids["other5"][1])  # the process's first save also reads the scale's codes
    first = _save(app, client, ids, "4")
    assert [s[2] for s in first] == ["SELECT", "SELECT", "INSERT", "SELECT"], first
    assert all(autocommit and not in_transaction for autocommit, in_transaction, _ in first), first

    changed = _save(app, client, ids, "5")
    assert [s[2] for s in changed] == ["SELECT", "SELECT", "UPDATE", "INSERT", "SELECT"], changed
    assert all(autocommit and not in_transaction for autocommit, in_transaction, _ in changed[:2]), changed
    update_, log, figures = changed[2:]
    assert not update_[0] and not update_[1]  # leaves autocommit: psycopg begins the transaction with it
    assert not log[0] and log[1] and not figures[0] and figures[1]  # the log line and the answer inside it

    absent = _save(app, client, ids, "absent")
    assert [s[2] for s in absent] == ["SELECT", "SELECT", "INSERT"], absent  # (no figures after an attendance)
    assert all(autocommit and not in_transaction for autocommit, in_transaction, _ in absent), absent
    with app.app_context():
        cell = cell_of(ids["lesson"], ids["emil"])
        assert [m.code for m in cell.marks] == ["5"] and cell.attendance.code == "absent"
        logged = db.session.execute(select(MarkChange.old_code, MarkChange.new_code).where(
            MarkChange.lesson_id == ids["lesson"], MarkChange.student_id == ids["emil"])).all()
        assert [tuple(r) for r in logged] == [("4", "5")]


def test_a_changed_mark_whose_log_line_fails_is_not_stored(app, auth, client, ids, monkeypatch):
    """The UPDATE of a changed mark and its line of the changes log are one write: when the log line cannot be
    written, the mark keeps its old code, on either database."""
    from school.register import marks
    from tests.test_journal import HX, cell_url, current_version
    auth.login("teacher")
    token = csrf_token(client, "/profile")
    first = client.post(cell_url(ids["lesson"], ids["emil"]), headers={**HX, "X-CSRFToken": token},
                        data={"action": "4", "version": current_version(app, ids["lesson"], ids["emil"])})
    assert first.status_code == 200

    def failing_log(*_args):
        raise RuntimeError("the changes log is unavailable")
    monkeypatch.setattr(marks, "_log_change", failing_log)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = client.post(cell_url(ids["lesson"], ids["emil"]), headers={**HX, "X-CSRFToken": token},
                    data={"action": "5", "version": current_version(app, ids["lesson"], ids["emil"])})
    assert r.status_code == 500
    with app.app_context():
        assert [m.code for m in cell_of(ids["lesson"], ids["emil"]).marks] == ["4"]


def test_after_a_write_that_stood_alone_the_connection_goes_back_to_transactions(app, auth, client, ids):
    """The driver's connection a save used in autocommit goes back to the pool transactional (work outside a
    request, a job or the CLI, begins a transaction with its first statement on it), and neither the mark of a
    write alone nor that of reads alone is left in its info for a later statement."""
    from school.transactions import ALONE, READS_ALONE
    _skip_on_sqlite(app)
    auth.login("teacher")
    used = []

    def listener(conn, cursor, *_rest):
        used.append((cursor.connection, conn.info))
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
    try:
        _save(app, client, ids, "absent")
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", listener)
    driver, info = used[-1]  # the connection of the save's INSERT, its last statement
    assert not driver.autocommit and ALONE not in info and READS_ALONE not in info


@pytest.mark.parametrize("statement, reads", [
    ("SELECT id FROM marks", True), ("\n select 1", True),
    ("SELECT id FROM lessons WHERE id = 1 FOR UPDATE", False), ("SELECT id FROM lessons FOR SHARE", False),
    ("WITH x AS (INSERT INTO marks DEFAULT VALUES RETURNING id) SELECT id FROM x", False),
    ("INSERT INTO marks DEFAULT VALUES", False), ("UPDATE marks SET code = '5'", False), ("SAVEPOINT sa_1", False),
])
def test_only_a_plain_select_is_taken_as_a_read(statement, reads):
    from school.transactions import _only_reads
    assert _only_reads(statement) is reads


def test_autocommit_asked_of_sqlalchemy_is_left_alone(app, client):
    """The engine's own AUTOCOMMIT isolation level (VACUUM needs it: the bench's fixture runs it) is not taken for
    a GET's reads: its statements are not put in a transaction, during a request or after one."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("VACUUM ANALYZE of one table, and psycopg's autocommit")
    assert client.get("/login").status_code == 200
    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("SELECT 1")
            connection.exec_driver_sql("VACUUM ANALYZE subjects")
    with app.test_request_context("/"):
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE subjects")
