"""Crimean Tatar words in the reference data: сочинение is «инша» (an essay), not «иншаат» (construction)

Revision ID: 0003_crh_words
Revises: 0002
"""
from alembic import op

revision = '0003_crh_words'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # Only the untouched reference name: a school that renamed the kind of work keeps its own word.
    op.execute("UPDATE work_kinds SET name_crh = 'Инша' WHERE code = 'essay' AND name_crh = 'Иншаат'")


def downgrade():
    op.execute("UPDATE work_kinds SET name_crh = 'Иншаат' WHERE code = 'essay' AND name_crh = 'Инша'")
