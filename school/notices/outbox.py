"""The outbox: notices are written here in the transaction of their cause and sent by the worker over SMTP.

- Written, never sent, by a request or a task: queue() adds a row to the caller's transaction; a rollback takes
  the row with it, so a notice whose cause did not happen is never sent. Its idempotency key is UNIQUE: queueing
  the same notice again (a task run twice, two workers) adds nothing.
- Sent once: send_due() moves a row queued -> sending with one compare-and-set UPDATE and commits before it
  talks to the server; only the process whose UPDATE changed the row sends it. After the server took it the row
  is sent. A row left in sending (the worker died between the server's answer and its own commit) may or may not
  have arrived: it is failed with that said, never sent again by itself; the administrator may resend it.
- Retried: a server that is down or answers 4xx puts the row back to queued with next_attempt_at later each time
  (1, 2, 4 … minutes, at most an hour), until OUTBOX_GIVE_UP_HOURS after it was queued; then, or at once on a
  5xx refusal, it is failed with the error for the administrator (/ops/outbox).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import smtplib
import socket
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from school import clock
from school.extensions import db
from school.models import OutboxMessage

MAX_BACKOFF_SECONDS = 3600
# A row still in `sending` after this long belonged to a worker that stopped mid-send.
STUCK_SENDING = dt.timedelta(minutes=15)
ERROR_MAX = 2000
SMTP_TIMEOUT = 20


def queue(*, key: str, kind: str, to: str, language: str, subject: str, text: str, html: str,
          person_id: int | None = None, student_id: int | None = None,
          unsubscribe_url: str | None = None) -> int | None:
    """Add a notice to the caller's transaction (not committed here): its id, or None when its key is already
    there. One INSERT … ON CONFLICT DO NOTHING: a second worker queueing the same key at the same moment adds
    nothing and does not break the caller's transaction (a savepoint would, on SQLite: its RELEASE commits)."""
    now = clock.now()
    values = dict(idempotency_key=key, kind=kind, to_address=to.strip(), language=language,
                  subject=" ".join(subject.split())[:300], text=text, html=html, person_id=person_id,
                  student_id=student_id, unsubscribe_url=unsubscribe_url, state="queued", attempts=0,
                  created_at=now, queued_at=now, next_attempt_at=now)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
                 .returning(OutboxMessage.id))
    return db.session.execute(statement).scalar()


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def build(row: OutboxMessage) -> EmailMessage:
    """Multipart text + HTML, no images, no tracking; List-Unsubscribe for the families' notices."""
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    msg = EmailMessage()
    msg["Subject"] = row.subject
    msg["From"] = sender
    msg["To"] = row.to_address
    msg["Date"] = formatdate(localtime=True)
    domain = sender.rpartition("@")[2].strip(">") or "localhost"
    # The same notice has the same Message-ID, whatever happens: mail systems may drop a duplicate by it too.
    msg["Message-ID"] = f"<{hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:32]}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    if row.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(row.text)
    msg.add_alternative(row.html, subtype="html")
    msg["Content-Language"] = row.language  # after the parts: setting content drops the Content-* headers
    return msg


class _Connection:
    """One SMTP session for a round of sending, opened when the first row needs it."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = _connect()
        self.smtp.send_message(message)

    def close(self, quit: bool = True) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit() if quit else self.smtp.close()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _connect() -> smtplib.SMTP:
    config = current_app.config
    server = config["MAIL_SERVER"]
    if not server:
        raise ConnectionError("MAIL_SERVER is not set")
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(server, config["MAIL_PORT"], timeout=SMTP_TIMEOUT)
    else:
        smtp = smtplib.SMTP(server, config["MAIL_PORT"], timeout=SMTP_TIMEOUT)
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


def _claim(row_id: int, now: dt.datetime) -> bool:
    """queued -> sending in one UPDATE, committed before the server is spoken to: one sender per row."""
    claimed = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.state == "queued",
                                    OutboxMessage.next_attempt_at <= now)
        .values(state="sending", sending_since=now, attempts=OutboxMessage.attempts + 1)).rowcount
    db.session.commit()
    return claimed == 1


def _permanent(error: Exception) -> bool:
    """The server refused the message for good (5xx): trying again would not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500 and not isinstance(
        error, smtplib.SMTPServerDisconnected)


def _fail_stuck(now: dt.datetime) -> None:
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.state == "sending", OutboxMessage.sending_since < now - STUCK_SENDING)
        .values(state="failed", sending_since=None,
                last_error="The worker stopped while sending: the message may have arrived; resend it if it did not."))
    db.session.commit()


def send_due(now: dt.datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Send the queued rows that are due; what happened to them ({"sent": n, "retry": n, "failed": n})."""
    now = now or clock.now()
    _fail_stuck(now)
    due = db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.state == "queued",
                                                            OutboxMessage.next_attempt_at <= now)
                             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)).all()
    outcome = {"sent": 0, "retry": 0, "failed": 0}
    give_up = dt.timedelta(hours=current_app.config["OUTBOX_GIVE_UP_HOURS"])
    connection = _Connection()
    try:
        for row_id in due:
            if not _claim(row_id, now):
                continue
            row = db.session.get(OutboxMessage, row_id)
            try:
                connection.send(build(row))
            except (smtplib.SMTPException, OSError, socket.timeout, ConnectionError) as e:
                connection.close(quit=False)
                db.session.rollback()
                error = (f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)[:ERROR_MAX]
                final = _permanent(e) or now + backoff(row.attempts) > row.queued_at + give_up
                db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(
                    state="failed" if final else "queued", sending_since=None, last_error=error,
                    next_attempt_at=now + backoff(row.attempts)))
                db.session.commit()
                outcome["failed" if final else "retry"] += 1
                continue
            db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(
                state="sent", sent_at=clock.now(), sending_since=None, last_error=None))
            db.session.commit()
            outcome["sent"] += 1
    finally:
        connection.close()
    return outcome


def resend(user, row: OutboxMessage) -> bool:
    """The administrator's resend of a failed notice: queued again, now, with a new series of tries (the
    caller commits)."""
    from school.access import is_admin

    if not is_admin(user):
        raise PermissionError("only the administrator resends a notice")
    if row.state != "failed":
        return False
    now = clock.now()
    changed = db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id,
                                                             OutboxMessage.state == "failed")
                                 .values(state="queued", queued_at=now, next_attempt_at=now, attempts=0)).rowcount
    return changed == 1
