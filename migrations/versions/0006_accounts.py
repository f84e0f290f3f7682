"""accounts: a session version per user

Revision ID: 0006_accounts
Revises: 0005_login_limits
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_accounts'
down_revision = '0005_login_limits'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: SQLite adds and (3.35+) drops a column in place, while batch mode would
# copy `users` and drop the original, which the foreign keys pointing at it refuse.
def upgrade():
    op.add_column('users', sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    op.drop_column('users', 'session_version')
