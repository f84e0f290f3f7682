"""Families informed: the outbox of e-mail notices, the families' choices per kind, the notice tasks' marks,
school.notice_hour (when the day's absence notices go); messages between families and teachers (threads, messages,
read receipts) and school.students_may_write

Revision ID: 0013_families
Revises: 0012_timetable
Create Date: 2026-11-30 12:43:42.470455

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_families'
down_revision = '0012_timetable'
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

    op.create_table('message_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('include_student', sa.Boolean(), nullable=False),
    sa.Column('started_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('length(topic) <= 200', name=op.f('ck_message_threads_topic_len')),
    sa.CheckConstraint('length(topic) > 0', name=op.f('ck_message_threads_topic_present')),
    sa.ForeignKeyConstraint(['started_by'], ['users.id'], name=op.f('fk_message_threads_started_by_users')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_message_threads_student_id_students'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['users.id'], name=op.f('fk_message_threads_teacher_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_threads'))
    )
    with op.batch_alter_table('message_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_threads_last_message_at'), ['last_message_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_threads_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_threads_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('length(body) > 0 AND length(body) <= 2000', name=op.f('ck_messages_body_length')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_messages_author_id_users')),
    sa.ForeignKeyConstraint(['thread_id'], ['message_threads.id'], name=op.f('fk_messages_thread_id_message_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_thread_id'), ['thread_id'], unique=False)

    op.create_table('message_reads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_reads_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_reads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_reads')),
    sa.UniqueConstraint('message_id', 'user_id', name=op.f('uq_message_reads_message_id_user_id'))
    )
    with op.batch_alter_table('message_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_reads_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('students_may_write', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('notice_hour', sa.Integer(), server_default='16', nullable=False))
        batch_op.create_check_constraint(op.f('ck_school_notice_hour'), 'notice_hour BETWEEN 0 AND 23')



def downgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_school_notice_hour'), type_='check')
        batch_op.drop_column('notice_hour')
        batch_op.drop_column('students_may_write')

    with op.batch_alter_table('message_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_reads_user_id'))

    op.drop_table('message_reads')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_thread_id'))
        batch_op.drop_index(batch_op.f('ix_messages_created_at'))
        batch_op.drop_index(batch_op.f('ix_messages_author_id'))

    op.drop_table('messages')
    with op.batch_alter_table('message_threads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_threads_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_message_threads_student_id'))
        batch_op.drop_index(batch_op.f('ix_message_threads_last_message_at'))

    op.drop_table('message_threads')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_state'))
        batch_op.drop_index(batch_op.f('ix_outbox_person_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_next_attempt_at'))

    op.drop_table('outbox')
    op.drop_table('notice_preferences')
    op.drop_table('notice_marks')
