"""How a request's database transaction ends.

Flask-SQLAlchemy closes the session after every request, and closing rolls back whatever transaction is still open.
On PostgreSQL that ROLLBACK cost far more than its round trip: psycopg drops every prepared statement of the
connection on a rollback (and deallocates them on the server), so every request planned each of its queries anew —
a third of a page's time there (the teacher's day 10.0 -> 6.9 ms, the diary week 10.0 -> 6.3 ms in-process on the
bench fixture). A transaction that only read is ended with COMMIT instead, which stores nothing and keeps the
connection's prepared statements. One that wrote anything — a flush, or any statement other than a SELECT through
session.execute — and was not committed by its view is rolled back exactly as before.

On PostgreSQL a request reads without a transaction (reads_alone): the BEGIN and the COMMIT around a GET's reads
were two round trips of ten on a diary week and bought nothing. Under READ COMMITTED, the isolation the register
runs at, every statement takes its own snapshot whether it is in a transaction or not, so each read sees exactly
what it saw before. The first statement that is not a plain SELECT (a save's write, the diary's visit row, or
anything a GET should not write and is rolled back) opens a transaction before it runs, and from there the request
is as it was: its writes are one transaction, committed by its view or rolled back.

A write that is one statement by itself (queries.write(..., alone=True): a cell's attendance, a cell's first mark,
each a compare-and-set INSERT or UPDATE with nothing else to keep with it) runs autocommitted where its request
still reads alone: a single statement is atomic without a transaction around it, and the BEGIN and the COMMIT were
two round trips of a save's six. It is stored as it runs; the view cannot take it back. The reads after it (the
save's answer) read what it stored. SQLite is left as it is: its driver never begins a transaction for a SELECT,
and begins one for a write whatever is asked."""
from __future__ import annotations

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

WROTE = "defter_wrote"
READS_ALONE = "defter_reads_alone"  # in the connection's info: its autocommit is _reads_alone's
ALONE = "defter_write_alone"  # in the connection's info: the next statement is a write that stands alone
IDLE = 0  # libpq's PQTRANS_IDLE: psycopg.pq.TransactionStatus.IDLE, without importing psycopg where SQLite runs


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    if not state.is_select:  # an INSERT, UPDATE or DELETE, and any textual statement: counted as a write
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)


def only_read(session: Session) -> bool:
    """The session's open transaction has run nothing but SELECTs and holds no unflushed change."""
    return (session.in_transaction() and not session.info.get(WROTE)
            and not (session.new or session.dirty or session.deleted))


def _only_reads(statement: str) -> bool:
    """A statement that reads and locks nothing: a SELECT without FOR UPDATE or FOR SHARE. Anything else, a WITH
    too (it may hold an INSERT), is taken as a write."""
    head = statement.lstrip()[:6].upper()
    return head == "SELECT" and " FOR UPDATE" not in statement and " FOR SHARE" not in statement


@event.listens_for(Session, "after_begin")
def _reads_alone(_session: Session, _transaction, connection) -> None:
    """A request's connection on PostgreSQL reads in autocommit: psycopg sends no BEGIN before its reads and no
    COMMIT after them."""
    if connection.dialect.name == "postgresql" and has_request_context():
        dbapi = connection.connection.dbapi_connection
        if not dbapi.autocommit and dbapi.pgconn.transaction_status == IDLE:  # (nobody else's transaction)
            dbapi.autocommit = True
            connection.info[READS_ALONE] = True


def _opens_a_transaction_to_write(conn, cursor, statement, _params, _context, _many) -> None:
    """Before the first statement that is not a read, the connection leaves autocommit: psycopg begins a
    transaction with it, which the request commits or rolls back as any other. A write that stands alone (ALONE)
    runs in autocommit, and the connection reads alone after it."""
    if conn.info.get(READS_ALONE) and not _only_reads(statement):
        if conn.info.pop(ALONE, False):
            return
        del conn.info[READS_ALONE]
        cursor.connection.autocommit = False


def _back_to_transactions(dbapi_connection, record) -> None:
    """A connection goes back to the pool as it came: every other use (a POST, a job, the CLI) begins a
    transaction with its first statement. (Autocommit asked for otherwise, as VACUUM needs it, is SQLAlchemy's
    own isolation level: neither touched here nor above.)"""
    if record.info.pop(READS_ALONE, None) and dbapi_connection is not None:
        dbapi_connection.autocommit = False


def init_app(app, db) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _opens_a_transaction_to_write)
        event.listen(engine, "checkin", _back_to_transactions)

    @app.teardown_request
    def end_read_only_transaction(exc) -> None:
        if exc is None and db.session.registry.has():  # a request that never used the database made no session
            session = db.session()
            if only_read(session):
                session.commit()
