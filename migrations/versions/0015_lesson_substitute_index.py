"""lessons: an index on substitute_id (a teacher's to-do and day ask for the lessons they substitute)

Revision ID: 0015_lesson_substitute_index
Revises: 0014_asc_import
Create Date: 2026-11-30 17:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015_lesson_substitute_index'
down_revision = '0014_asc_import'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lessons_substitute_id'), ['substitute_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lessons_substitute_id'))
