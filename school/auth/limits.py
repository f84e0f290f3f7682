"""How failed logins are slowed down, per account and per address.

Per account (the username typed, known or not): the first LOGIN_FREE_FAILURES failures in a row cost nothing;
after them each further check must wait 2, 4, 8 … seconds, at most LOGIN_MAX_DELAY_SECONDS. An attempt made
during the wait is refused without checking the password and does not lengthen the wait, so a guesser never
locks the owner out for longer than the cap: the right password after the wait logs in and clears the count.
The attempt is counted *before* its password is checked, by one UPDATE of the account's row that matches only
when no wait is running; concurrent attempts queue on that row, and the ones behind find the wait set.

Per address: a school is often one address (NAT), so the limit is high (LOGIN_LIMIT_PER_ADDRESS) and counts the
different accounts that failed from there within LOGIN_LIMIT_MINUTES, not the failures: a teacher mistyping
ten times is one account, a guesser walking through the staff list is many. The attempt is recorded first,
committed, and then counted, so of concurrent attempts the later ones see the earlier ones (a refused attempt
takes its record back).
"""
from __future__ import annotations

import datetime as dt

from flask import current_app, request
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from school import clock
from school.extensions import db
from school.models import LoginFailure, LoginThrottle


def address() -> str:
    return (request.remote_addr or "unknown")[:64]


def delay_after(failures: int) -> int:
    """Seconds the next check waits after this many failures in a row."""
    cfg = current_app.config
    free = cfg["LOGIN_FREE_FAILURES"]
    if failures < free:
        return 0
    return min(2 ** min(failures - free + 1, 30), cfg["LOGIN_MAX_DELAY_SECONDS"])


def address_blocked(username: str) -> int:
    """Record this attempt for the address; minutes until the address may try another account (0: it may)."""
    cfg = current_app.config
    now = clock.now()
    since = now - dt.timedelta(minutes=cfg["LOGIN_LIMIT_MINUTES"])
    here = address()
    db.session.execute(delete(LoginFailure).where(LoginFailure.at <= since))
    attempt = LoginFailure(username=username, address=here, at=now)
    db.session.add(attempt)
    db.session.commit()
    accounts, oldest = db.session.execute(
        select(func.count(func.distinct(LoginFailure.username)), func.min(LoginFailure.at))
        .where(LoginFailure.address == here, LoginFailure.at > since)).one()
    if accounts <= cfg["LOGIN_LIMIT_PER_ADDRESS"]:
        return 0
    db.session.delete(attempt)  # refused unchecked: not a failure, and an account that failed here may still try
    db.session.commit()
    left = (oldest + dt.timedelta(minutes=cfg["LOGIN_LIMIT_MINUTES"]) - now).total_seconds()
    return max(1, int(left // 60) + 1)


def claim_check(username: str) -> int:
    """Count a password check for the account before it runs. Returns 0 when it may run, else the seconds to
    wait (nothing counted)."""
    cfg = current_app.config
    now = clock.now()
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(LoginThrottle)
    db.session.execute(insert.values(username=username, failures=0).on_conflict_do_nothing())
    forget_before = now - dt.timedelta(hours=cfg["LOGIN_FORGET_HOURS"])
    failures = db.session.scalar(
        update(LoginThrottle)
        .where(LoginThrottle.username == username,
               (LoginThrottle.blocked_until.is_(None)) | (LoginThrottle.blocked_until <= now))
        .values(failures=case((LoginThrottle.last_failure_at < forget_before, 1), else_=LoginThrottle.failures + 1),
                last_failure_at=now)
        .returning(LoginThrottle.failures))
    if failures is None:
        blocked_until = db.session.scalar(select(LoginThrottle.blocked_until)
                                          .where(LoginThrottle.username == username))
        db.session.commit()
        return max(1, int((blocked_until - now).total_seconds()) if blocked_until else 1)
    wait = delay_after(failures)
    if wait:  # still inside the transaction that holds the row: the attempts queued behind see it
        db.session.execute(update(LoginThrottle).where(LoginThrottle.username == username)
                           .values(blocked_until=now + dt.timedelta(seconds=wait)))
    db.session.commit()
    return 0


def succeeded(username: str) -> None:
    """The right password: the account's count starts again, and its failures no longer count for the
    address (part of the caller's transaction)."""
    db.session.execute(update(LoginThrottle).where(LoginThrottle.username == username)
                       .values(failures=0, blocked_until=None))
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username,
                                                  LoginFailure.address == address()))
