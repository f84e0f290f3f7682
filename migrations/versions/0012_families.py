"""Families informed: the outbox of e-mail notices, the families' choices per kind, the notice tasks' marks,
school.notice_hour (when the day's absence notices go)

Revision ID: 0012_families
Revises: 0011_absence_deadline
Create Date: 2026-11-30 12:43:42.470455

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_families'
down_revision = '0011_absence_deadline'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_marks',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('upto', sa.DateTime(), nullable=False),
    sa.CheckConstraint('length(name) <= 40', name=op.f('ck_notice_marks_name_len')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_notice_marks'))
    )
    op.create_table('notice_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('absence', 'digest', 'result', 'timetable', 'message')", name=op.f('ck_notice_preferences_kind_set')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_notice_preferences_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_preferences')),
    sa.UniqueConstraint('person_id', 'kind', name=op.f('uq_notice_preferences_person_id_kind'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=3), nullable=False),
    sa.Column('to_address', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('unsubscribe_url', sa.String(length=500), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('sending_since', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name=op.f('ck_outbox_sent_when_sent')),
    sa.CheckConstraint("kind IN ('absence', 'digest', 'result', 'timetable', 'message')", name=op.f('ck_outbox_kind_set')),
    sa.CheckConstraint("language IN ('ru', 'uk', 'crh')", name=op.f('ck_outbox_language_set')),
    sa.CheckConstraint("state IN ('queued', 'sending', 'sent', 'failed')", name=op.f('ck_outbox_state_set')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_attempts_not_negative')),
    sa.CheckConstraint('length(html) <= 200000', name=op.f('ck_outbox_html_len')),
    sa.CheckConstraint('length(idempotency_key) <= 200', name=op.f('ck_outbox_idempotency_key_len')),
    sa.CheckConstraint('length(idempotency_key) > 0', name=op.f('ck_outbox_key_present')),
    sa.CheckConstraint('length(last_error) <= 2000', name=op.f('ck_outbox_last_error_len')),
    sa.CheckConstraint('length(subject) <= 300', name=op.f('ck_outbox_subject_len')),
    sa.CheckConstraint('length(text) <= 100000', name=op.f('ck_outbox_text_len')),
    sa.CheckConstraint('length(to_address) <= 200', name=op.f('ck_outbox_to_address_len')),
    sa.CheckConstraint('length(to_address) > 2', name=op.f('ck_outbox_to_present')),
    sa.CheckConstraint('length(unsubscribe_url) <= 500', name=op.f('ck_outbox_unsubscribe_url_len')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_outbox_person_id_persons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_outbox_student_id_students'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_outbox_idempotency_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_state'), ['state'], unique=False)

    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_hour', sa.Integer(), server_default='16', nullable=False))
        batch_op.create_check_constraint(op.f('ck_school_notice_hour'), 'notice_hour BETWEEN 0 AND 23')



def downgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_school_notice_hour'), type_='check')
        batch_op.drop_column('notice_hour')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_state'))
        batch_op.drop_index(batch_op.f('ix_outbox_person_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_next_attempt_at'))

    op.drop_table('outbox')
    op.drop_table('notice_preferences')
    op.drop_table('notice_marks')
