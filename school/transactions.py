"""How a request's database transaction ends.

Flask-SQLAlchemy closes the session after every request, and closing rolls back whatever transaction is still open.
On PostgreSQL that ROLLBACK cost far more than its round trip: psycopg drops every prepared statement of the
connection on a rollback (and deallocates them on the server), so every request planned each of its queries anew —
a third of a page's time there (the teacher's day 10.0 -> 6.9 ms, the diary week 10.0 -> 6.3 ms in-process on the
bench fixture). A transaction that only read is ended with COMMIT instead, which stores nothing and keeps the
connection's prepared statements. One that wrote anything — a flush, or any statement other than a SELECT through
session.execute — and was not committed by its view is rolled back exactly as before."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

WROTE = "defter_wrote"


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


def init_app(app, db) -> None:
    @app.teardown_request
    def end_read_only_transaction(exc) -> None:
        if exc is None and db.session.registry.has():  # a request that never used the database made no session
            session = db.session()
            if only_read(session):
                session.commit()
