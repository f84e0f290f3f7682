"""timetable: weeks A/B and joint slots; lessons keep their room, where they were moved from, and extra lessons;
the changes log records moves and restored lessons

Revision ID: 0012_timetable
Revises: 0011_absence_deadline
Create Date: 2026-11-30 12:43:27.636468

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_timetable'
down_revision = '0011_absence_deadline'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lesson_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('from_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('from_number', sa.Integer(), nullable=True))
        batch_op.drop_constraint(op.f('ck_lesson_changes_kind_set'), type_='check')
        batch_op.create_check_constraint(op.f('ck_lesson_changes_kind_set'),
                                         "kind IN ('substitution', 'moved', 'cancelled', 'restored', 'extra')")

    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('moved_from_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('moved_from_number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('extra', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.create_check_constraint(op.f('ck_lessons_moved_from'),
                                         '(moved_from_day IS NULL) = (moved_from_number IS NULL)')
        batch_op.create_check_constraint(op.f('ck_lessons_room_len'), 'length(room) <= 20')

    with op.batch_alter_table('timetable_slots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weeks', sa.String(length=5), server_default='every', nullable=False))
        batch_op.add_column(sa.Column('joint', sa.String(length=40), nullable=True))
        batch_op.create_check_constraint(op.f('ck_timetable_slots_weeks_set'), "weeks IN ('every', 'A', 'B')")
        batch_op.create_check_constraint(op.f('ck_timetable_slots_joint_len'), 'length(joint) <= 40')
        batch_op.create_index('uq_timetable_slots_place', ['course_id', 'weekday', 'lesson_number', 'valid_from', 'weeks'], unique=True)



def downgrade():
    with op.batch_alter_table('timetable_slots', schema=None) as batch_op:
        batch_op.drop_index('uq_timetable_slots_place')
        batch_op.drop_constraint(op.f('ck_timetable_slots_joint_len'), type_='check')
        batch_op.drop_constraint(op.f('ck_timetable_slots_weeks_set'), type_='check')
        batch_op.drop_column('joint')
        batch_op.drop_column('weeks')

    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_lessons_room_len'), type_='check')
        batch_op.drop_constraint(op.f('ck_lessons_moved_from'), type_='check')
        batch_op.drop_column('extra')
        batch_op.drop_column('moved_from_number')
        batch_op.drop_column('moved_from_day')
        batch_op.drop_column('room')

    with op.batch_alter_table('lesson_changes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_lesson_changes_kind_set'), type_='check')
        batch_op.create_check_constraint(op.f('ck_lesson_changes_kind_set'),
                                         "kind IN ('substitution', 'moved', 'cancelled', 'extra')")
        batch_op.drop_column('from_number')
        batch_op.drop_column('from_day')
        batch_op.drop_column('number')

