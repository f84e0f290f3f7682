"""school.absence_deadline_days: the deadline for absences (DOMAIN.md: on the day, 0), set in the school's set-up

Revision ID: 0011_absence_deadline
Revises: 0010_backups
Create Date: 2026-11-30 11:33:47.125870

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_absence_deadline'
down_revision = '0010_backups'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('absence_deadline_days', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(op.f('ck_school_absence_deadline'), 'absence_deadline_days >= 0')


def downgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_school_absence_deadline'), type_='check')
        batch_op.drop_column('absence_deadline_days')
