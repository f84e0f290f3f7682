"""backup runs: one row per backup written to one destination

Revision ID: 0010_backups
Revises: 0009_imports
Create Date: 2026-11-30 10:39:21.163638

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_backups'
down_revision = '0009_imports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('backup_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('destination', sa.String(length=1000), nullable=False),
    sa.Column('path', sa.String(length=1000), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.CheckConstraint("outcome IN ('ok', 'failed')", name=op.f('ck_backup_runs_outcome_set')),
    sa.CheckConstraint('finished_at >= started_at', name=op.f('ck_backup_runs_finished_after_start')),
    sa.CheckConstraint('length(destination) <= 1000', name=op.f('ck_backup_runs_destination_len')),
    sa.CheckConstraint('length(message) <= 2000', name=op.f('ck_backup_runs_message_len')),
    sa.CheckConstraint('length(path) <= 1000', name=op.f('ck_backup_runs_path_len')),
    sa.CheckConstraint('sha256 IS NULL OR length(sha256) = 64', name=op.f('ck_backup_runs_sha256_hex')),
    sa.CheckConstraint('size IS NULL OR size >= 0', name=op.f('ck_backup_runs_size_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backup_runs'))
    )
    with op.batch_alter_table('backup_runs', schema=None) as batch_op:
        batch_op.create_index('ix_backup_runs_destination_finished', ['destination', 'finished_at'], unique=False)



def downgrade():
    with op.batch_alter_table('backup_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_backup_runs_destination_finished')

    op.drop_table('backup_runs')
