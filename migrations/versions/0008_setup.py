"""setup: periods of one scheme never overlap and lie inside their academic year (triggers on both databases)

Revision ID: 0008_setup
Revises: 0007_jobs
Create Date: 2026-11-30 10:50:00

The statements are copied here, not imported from the models, so that this migration stays what it was when the
models change.
"""
from alembic import op


revision = '0008_setup'
down_revision = '0007_jobs'
branch_labels = None
depends_on = None

SQLITE = [
    *(f"""CREATE TRIGGER periods_fit_{when} BEFORE {when.upper()} ON periods
BEGIN
  SELECT RAISE(ABORT, 'period outside its academic year') WHERE EXISTS (
    SELECT 1 FROM academic_years y WHERE y.id = NEW.year_id
      AND (NEW.first_day < y.first_day OR NEW.last_day > y.last_day));
  SELECT RAISE(ABORT, 'periods of one scheme overlap') WHERE EXISTS (
    SELECT 1 FROM periods p WHERE p.year_id = NEW.year_id AND p.scheme = NEW.scheme{same}
      AND p.first_day <= NEW.last_day AND p.last_day >= NEW.first_day);
END""" for when, same in (("insert", ""), ("update", " AND p.id <> NEW.id"))),
    """CREATE TRIGGER academic_years_hold_periods BEFORE UPDATE OF first_day, last_day ON academic_years
BEGIN
  SELECT RAISE(ABORT, 'period outside its academic year') WHERE EXISTS (
    SELECT 1 FROM periods p WHERE p.year_id = NEW.id AND (p.first_day < NEW.first_day OR p.last_day > NEW.last_day));
END""",
]

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION periods_fit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  year_first date;
  year_last date;
BEGIN
  SELECT first_day, last_day INTO year_first, year_last FROM academic_years WHERE id = NEW.year_id FOR UPDATE;
  IF NEW.first_day < year_first OR NEW.last_day > year_last THEN
    RAISE EXCEPTION 'period outside its academic year' USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM periods p WHERE p.year_id = NEW.year_id AND p.scheme = NEW.scheme AND p.id <> NEW.id
             AND p.first_day <= NEW.last_day AND p.last_day >= NEW.first_day) THEN
    RAISE EXCEPTION 'periods of one scheme overlap' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$""",
    "CREATE TRIGGER periods_fit BEFORE INSERT OR UPDATE ON periods FOR EACH ROW EXECUTE FUNCTION periods_fit()",
    """CREATE OR REPLACE FUNCTION academic_years_hold_periods() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM periods p WHERE p.year_id = NEW.id
             AND (p.first_day < NEW.first_day OR p.last_day > NEW.last_day)) THEN
    RAISE EXCEPTION 'period outside its academic year' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$""",
    "CREATE TRIGGER academic_years_hold_periods BEFORE UPDATE OF first_day, last_day ON academic_years"
    " FOR EACH ROW EXECUTE FUNCTION academic_years_hold_periods()",
]


def upgrade():
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("periods_fit_insert", "periods_fit_update", "academic_years_hold_periods"):
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute("DROP TRIGGER periods_fit ON periods")
        op.execute("DROP TRIGGER academic_years_hold_periods ON academic_years")
        op.execute("DROP FUNCTION periods_fit()")
        op.execute("DROP FUNCTION academic_years_hold_periods()")
