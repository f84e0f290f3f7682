"""attendance: a partial index on the absences without a reason (a class teacher's to-do reads them on every home
page; without it PostgreSQL read every attendance row of every year)

Revision ID: 0016_attendance_unreasoned
Revises: 0015_lesson_substitute_index
Create Date: 2026-11-30 20:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_attendance_unreasoned'
down_revision = '0015_lesson_substitute_index'
branch_labels = None
depends_on = None

UNREASONED = "code = 'absent' AND reason IS NULL"


def upgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_unreasoned', ['lesson_id'], unique=False,
                              sqlite_where=sa.text(UNREASONED), postgresql_where=sa.text(UNREASONED))


def downgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_unreasoned', sqlite_where=sa.text(UNREASONED),
                            postgresql_where=sa.text(UNREASONED))
