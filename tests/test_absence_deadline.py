"""The absences deadline of DOMAIN.md ("absences on the day"): a school setting, 0 by default, set in the school's
set-up form, audited old → new like the other deadlines, and never negative (form and database)."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from school.extensions import db
from school.models import AuditEvent, School
from tests.test_admin_first_run import SCHOOL, fresh_app, login, post  # noqa: F401 (a fixture)


def test_the_absence_deadline_is_set_in_the_school_form_and_audited(fresh_app):  # noqa: F811
    client = fresh_app.test_client()
    login(client)
    page = client.get("/admin/setup/school").get_data(as_text=True)
    assert 'name="absence_deadline_days"' in page and 'value="0"' in page.split('name="absence_deadline_days"')[1][:80]
    assert post(client, "/admin/setup/school", SCHOOL).status_code == 303
    assert post(client, "/admin/setup/school", {**SCHOOL, "absence_deadline_days": "1"}).status_code == 303
    with fresh_app.app_context():
        assert db.session.get(School, 1).absence_deadline_days == 1
        events = db.session.scalars(select(AuditEvent.details).where(AuditEvent.object == "school:1")
                                    .order_by(AuditEvent.id)).all()
    assert "absence_deadline_days:  → 0" in events[0]
    assert events[1] == "absence_deadline_days: 0 → 1"


@pytest.mark.parametrize("value", ["", "-1", "31", "один"])
def test_a_wrong_absence_deadline_is_refused_422(fresh_app, value):  # noqa: F811
    client = fresh_app.test_client()
    login(client)
    r = post(client, "/admin/setup/school", {**SCHOOL, "absence_deadline_days": value})
    assert r.status_code == 422
    with fresh_app.app_context():
        assert db.session.get(School, 1) is None


def test_the_database_refuses_a_negative_absence_deadline(fresh_app):  # noqa: F811
    client = fresh_app.test_client()
    login(client)
    post(client, "/admin/setup/school", SCHOOL)
    with fresh_app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE school SET absence_deadline_days = -1"))
            db.session.flush()
        db.session.rollback()
