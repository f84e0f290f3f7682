"""Migrations from empty to head (the fixture database is built by them) match the models exactly."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from school.extensions import db
from school.models import Base, ScaleValue, WorkKind


def test_head_matches_models(ctx):
    with db.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(mc, Base.metadata)
    assert diff == []


def test_migration_installs_reference_data(ctx):
    codes = set(db.session.scalars(select(ScaleValue.code).where(ScaleValue.scale == "five")))
    assert codes == {"1", "2", "3", "4", "5", "осв", "н/а", "зач", "незач", "безотм"}
    assert len(db.session.scalars(select(ScaleValue.code).where(ScaleValue.scale == "twelve")).all()) == 17
    assert db.session.scalar(select(WorkKind.weight).where(WorkKind.code == "test")) == 2


def test_downgrade_and_upgrade_again(app):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        downgrade(revision="base")
        upgrade()
        assert db.session.scalar(select(ScaleValue.id).limit(1)) is not None
