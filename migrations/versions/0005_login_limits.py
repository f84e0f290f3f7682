"""login limits: a counter row per username tried

Revision ID: 0005_login_limits
Revises: 0004_register
Create Date: 2026-11-30 10:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_login_limits'
down_revision = '0004_register'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttles',
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.Column('last_failure_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_login_throttles_failures_not_negative')),
    sa.CheckConstraint('length(username) <= 200', name=op.f('ck_login_throttles_username_len')),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_login_throttles'))
    )


def downgrade():
    op.drop_table('login_throttles')
