"""Viewing never changes the register (issue 8 §3): every GET route of the app, as every role, leaves every table
as it was. The one deliberate exception is the family diary's fact of acquaintance (регистрация факта ознакомления,
DOMAIN.md): a parent's or a student's visit to the diary is itself the fact the register records (diary_views)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from school.extensions import db
from school.models import Base
from tests.test_access import LOGINS, build_url, routes

# The read receipts of messages are the same kind of fact: opening a conversation is what they record.
RECORDED_BY_VIEWING = {"diary_views", "message_reads"}


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def table_contents(app) -> dict[str, list]:
    with app.app_context():
        return {t.name: sorted(map(repr, db.session.execute(select(t)).all())) for t in Base.metadata.sorted_tables
                if t.name not in RECORDED_BY_VIEWING}


@pytest.mark.parametrize("login", sorted(LOGINS) + [None])
def test_no_get_route_writes_a_fact(app, client, auth, ids, login):
    if login:
        auth.login(login)
    before = table_contents(app)
    counts_before = row_counts(app)
    visited = []
    for rule, method in routes(app):
        if method != "GET":
            continue
        url = build_url(app, rule, ids)
        r = client.get(url)
        assert r.status_code < 500, (login, url, r.status_code)
        visited.append(url)
        # also the weeks and periods a teacher browses to
        if rule.endpoint == "journal.grid":
            client.get(url + f"?period={ids['q2']}")
        if rule.endpoint in ("journal.class_attendance", "diary.week_page"):
            client.get(url + "?week=2026-W47")
    assert len(visited) > 20
    after = table_contents(app)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, (login, changed)
    counts_after = row_counts(app)
    grown = {t for t in counts_before if counts_after[t] != counts_before[t]} - RECORDED_BY_VIEWING
    assert not grown, (login, grown)
    if login in ("parent", "student"):  # the exception is the fact of acquaintance, and only for families
        assert counts_after["diary_views"] >= counts_before["diary_views"]
    else:
        assert counts_after["diary_views"] == counts_before["diary_views"]
