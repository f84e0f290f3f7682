"""Readiness: may this instance take traffic? The database answers, its schema is at the code's migration head,
and (when the deployment runs a worker: WORKER_REQUIRED) the worker's heartbeat is recent."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from school import clock, jobs
from school.config import ROOT
from school.extensions import db

# Three missed beats: a worker busy with a long job still beats (the heartbeat is its own thread).
HEARTBEAT_STALE = dt.timedelta(seconds=3 * jobs.HEARTBEAT_SECONDS)


@lru_cache(maxsize=1)
def code_heads() -> frozenset[str]:
    return frozenset(ScriptDirectory(str(ROOT / "migrations")).get_heads())


def readiness() -> tuple[bool, dict]:
    """(ready, a short reason for a load balancer and a person: no error text, nothing secret)."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            database_heads = frozenset(MigrationContext.configure(conn).get_current_heads())
    except (SQLAlchemyError, OSError):
        return False, {"status": "unavailable", "reason": "database"}
    if database_heads != code_heads():
        return False, {"status": "unavailable", "reason": "migrations", "database": sorted(database_heads),
                       "code": sorted(code_heads())}
    if current_app.config.get("WORKER_REQUIRED"):
        try:
            seen = jobs.last_heartbeat()
        except SQLAlchemyError:
            db.session.rollback()
            return False, {"status": "unavailable", "reason": "database"}
        if seen is None or clock.now() - seen > HEARTBEAT_STALE:
            return False, {"status": "unavailable", "reason": "worker",
                           "last_heartbeat": seen.isoformat() if seen else None}
    return True, {"status": "ready"}
