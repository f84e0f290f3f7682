"""imports: a timetable import kind (aSc Timetables XML) and the choices a timetable preview keeps (options)

Revision ID: 0014_asc_import
Revises: 0013_families
Create Date: 2026-11-30 13:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_asc_import'
down_revision = '0013_families'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('options', sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f('ck_import_runs_kind_set'), type_='check')
        batch_op.create_check_constraint(op.f('ck_import_runs_kind_set'),
                                         "kind IN ('people', 'staff', 'classes', 'timetable')")


def downgrade():
    op.execute("DELETE FROM import_runs WHERE kind = 'timetable'")
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_import_runs_kind_set'), type_='check')
        batch_op.create_check_constraint(op.f('ck_import_runs_kind_set'), "kind IN ('people', 'staff', 'classes')")
        batch_op.drop_column('options')
