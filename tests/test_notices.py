"""E-mail notices to families (issue 13): the outbox, sent by the worker to a real SMTP server on loopback (aiosmtpd),
never twice, retried while the server is down, failed and resent; the notices in the family's language with a
working unsubscribe link; the digest equal to the printed statement of the same week."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import socket
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from school.extensions import db
from school.models import (Attendance, Lesson, NoticePreference, OutboxMessage, PeriodMark, Person, SchoolClass,
                           Student, User)
from school.notices import outbox, service
from tests.factory import TODAY
from tests.test_statements import W48, add_lesson, add_mark, set_student

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

EVENING = dt.datetime.combine(TODAY, dt.time(17, 0))   # after the school's notice hour (16)
MORNING = dt.datetime.combine(TODAY, dt.time(9, 0))


class Inbox:
    """A real SMTP server on a loopback port that stays the same across stop() and start()."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.messages: list[email.message.EmailMessage] = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def start(self):
        self.controller = aiosmtpd_controller.Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture(autouse=True)
def evening(monkeypatch):
    """The school's clock at 17:00 of the pinned day, whatever the time of day the suite runs: a notice queued
    by a tick at EVENING is stamped with clock.now(), and the real time of day (the pinned date with today's hour)
    made it not yet due after 17:00."""
    from school import clock
    monkeypatch.setattr(clock, "now", lambda: EVENING)


@pytest.fixture
def inbox(app):
    box = Inbox()
    box.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=box.port, MAIL_DEFAULT_SENDER="defter@school.test",
                      PUBLIC_URL="http://school.test")
    yield box
    box.stop()


def parent_email(app, ids, address="zarema@example.org"):
    with app.app_context():
        person = db.session.get(User, ids["users"]["parent"]).person
        person.email = address
        db.session.commit()
        return person.id


def absent(app, ids, student, day=TODAY, code="absent", number=1):
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == ids["math5"], Lesson.day == day,
                                                        Lesson.number == number))
        if lesson is None:
            lesson = Lesson(course_id=ids["math5"], day=day, number=number, state="held")
            db.session.add(lesson)
            db.session.flush()
        db.session.add(Attendance(lesson_id=lesson.id, student_id=student, code=code, set_by=ids["users"]["teacher"],
                                  set_at=dt.datetime.combine(day, dt.time(8, 10)), version=1))
        db.session.commit()


def tick(app, now=EVENING):
    with app.app_context():
        return service.tick(now)


def send(app, now):
    with app.app_context():
        return outbox.send_due(now)


def rows(app) -> list[OutboxMessage]:
    with app.app_context():
        found = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        for r in found:
            db.session.expunge(r)
        return found


def body(message, subtype="plain") -> str:
    return message.get_body((subtype,)).get_content()


# ---------------------------------------------------------------- the absence notice

def test_the_absence_notice_arrives_once_in_the_familys_language(app, client, ids, inbox):
    parent_email(app, ids)
    set_student(app, ids["emil"], statement_language="uk")
    absent(app, ids, ids["emil"])
    done = tick(app)
    assert done["absence"] == 1 and done["sent"] == 1
    (message,) = inbox.messages
    assert message["To"] == "zarema@example.org" and message["From"] == "defter@school.test"
    assert message["Subject"] == "Эмиль Аблаев: був(ла) відсутній(я) 24 листопада"
    assert message["Content-Language"] == "uk"
    assert message.get_content_type() == "multipart/alternative"
    text, html = body(message), body(message, "html")
    assert "Урок 1, Математика: був(ла) відсутній(я)" in text and "<img" not in html and "http://school.test/diary/" in html
    unsubscribe = re.search(r"http://school\.test(/unsubscribe/\S+)", text)[1]
    assert message["List-Unsubscribe"] == f"<http://school.test{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len(message.as_bytes()) < 8000  # small: no images, no tracking

    # the worker runs again and again: nothing more is written or sent
    again = tick(app, EVENING + dt.timedelta(minutes=5))
    assert again["absence"] == 0 and again["sent"] == 0 and len(inbox.messages) == 1
    assert [r.state for r in rows(app)] == ["sent"]


def test_the_notice_is_written_at_the_schools_hour_not_before(app, ids, inbox):
    parent_email(app, ids)
    absent(app, ids, ids["emil"])
    assert tick(app, MORNING).get("absence") is None
    assert rows(app) == [] and inbox.messages == []
    with app.app_context():
        from school.models import School
        db.session.get(School, 1).notice_hour = 8
        db.session.commit()
    assert tick(app, MORNING)["absence"] == 1


def test_the_russian_subject_says_what_happened(app, ids, inbox):
    parent_email(app, ids)
    absent(app, ids, ids["emil"])
    absent(app, ids, ids["emil"], number=2)
    with app.app_context():  # the class teacher recorded the reason of the second before the notice hour
        second = db.session.scalar(select(Attendance).join(Lesson).where(Lesson.number == 2))
        second.reason, second.reason_by, second.reason_at = "ill", ids["users"]["teacher"], EVENING
        db.session.commit()
    tick(app)
    assert inbox.messages[0]["Subject"] == "Эмиль Аблаев: отсутствовал(а) 24 ноября"
    text = body(inbox.messages[0])
    assert "Урок 1, Математика: отсутствовал(а)\n" in text and "Урок 2, Математика: отсутствовал(а) по болезни" in text


def test_no_address_or_no_wish_no_notice(app, ids, inbox):
    absent(app, ids, ids["emil"])
    tick(app)  # the guardian has no e-mail address
    assert rows(app) == []
    person_id = parent_email(app, ids)
    with app.app_context():
        db.session.add(NoticePreference(person_id=person_id, kind="absence", enabled=False, changed_at=EVENING))
        db.session.commit()
    tick(app)
    assert rows(app) == [] and inbox.messages == []


def test_the_unsubscribe_link_works_without_login_and_only_by_its_button(app, client, ids, inbox):
    person_id = parent_email(app, ids)
    absent(app, ids, ids["emil"])
    tick(app)
    link = urlsplit(re.search(r"http://school\.test/unsubscribe/\S+", body(inbox.messages[0]))[0]).path
    page = client.get(link)
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    with app.app_context():
        assert service.wants(person_id, "absence")  # opening the link (a mail scanner) changes nothing
    # the mail client's one-click POST (RFC 8058): no session, no form token
    r = client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200
    with app.app_context():
        assert not service.wants(person_id, "absence") and service.wants(person_id, "digest")
    absent(app, ids, ids["emil"], day=TODAY + dt.timedelta(days=1))
    tick(app, EVENING + dt.timedelta(days=1))
    assert len(inbox.messages) == 1


def test_a_forged_or_expired_link_changes_nothing(app, client, ids, inbox, monkeypatch):
    person_id = parent_email(app, ids)
    with app.app_context():
        token = service.unsubscribe_token(person_id, "absence")
    assert client.post(f"/unsubscribe/{token[:-2]}xx").status_code == 404
    assert client.get("/unsubscribe/nonsense").status_code == 404
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + (service.UNSUBSCRIBE_DAYS + 1) * 86400)
    assert client.post(f"/unsubscribe/{token}").status_code == 404
    with app.app_context():
        assert service.wants(person_id, "absence")


# ---------------------------------------------------------------- the outbox: never lost, never twice

def test_server_down_the_notice_stays_queued_then_arrives_exactly_once(app, ids, inbox):
    parent_email(app, ids)
    absent(app, ids, ids["emil"])
    inbox.stop()
    done = tick(app)
    assert done["absence"] == 1 and done["retry"] == 1
    (row,) = rows(app)
    assert (row.state, row.attempts) == ("queued", 1) and row.last_error
    assert row.next_attempt_at == EVENING + dt.timedelta(minutes=1)
    inbox.start()
    assert send(app, EVENING + dt.timedelta(seconds=30))["sent"] == 0  # not due yet
    assert send(app, EVENING + dt.timedelta(minutes=2))["sent"] == 1
    assert send(app, EVENING + dt.timedelta(minutes=30))["sent"] == 0
    tick(app, EVENING + dt.timedelta(hours=1))
    assert len(inbox.messages) == 1
    (row,) = rows(app)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)


def test_the_wait_grows_between_tries(app):
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 7, 20)] == [60, 120, 240, 3600, 3600]


def test_a_notice_whose_transaction_rolled_back_is_never_sent(app, ids, inbox):
    with app.app_context():
        outbox.queue(key="test:rollback", kind="absence", to="zarema@example.org", language="ru", subject="s",
                     text="t", html="<p>t</p>")
        db.session.rollback()
        assert outbox.send_due(EVENING) == {"sent": 0, "retry": 0, "failed": 0}
    assert rows(app) == [] and inbox.messages == []


def test_the_idempotency_key_is_unique_in_the_database(app):
    with app.app_context():
        first = outbox.queue(key="k", kind="absence", to="a@b.c", language="ru", subject="s", text="t", html="h")
        assert first is not None
        assert outbox.queue(key="k", kind="absence", to="a@b.c", language="ru", subject="s", text="t", html="h") is None
        db.session.commit()
        db.session.add(OutboxMessage(idempotency_key="k", kind="absence", to_address="a@b.c", language="ru",
                                     subject="s", text="t", html="h", state="queued", attempts=0, created_at=EVENING,
                                     queued_at=EVENING, next_attempt_at=EVENING))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_a_row_is_claimed_by_one_sender_only(app, ids, inbox):
    with app.app_context():
        row_id = outbox.queue(key="k", kind="absence", to="a@b.c", language="ru", subject="s", text="t", html="h")
        db.session.commit()
        assert outbox._claim(row_id, EVENING) is True
        assert outbox._claim(row_id, EVENING) is False  # the second worker finds it sending
        assert outbox.send_due(EVENING)["sent"] == 0
    assert inbox.messages == []
    # a worker that died mid-send: the row is failed (it may have arrived), never sent again by itself
    with app.app_context():
        assert outbox.send_due(EVENING + dt.timedelta(minutes=20))["sent"] == 0
    (row,) = rows(app)
    assert row.state == "failed" and "may have arrived" in row.last_error and inbox.messages == []


def test_given_up_after_the_set_time_shown_to_the_administrator_and_resent(app, client, auth, ids, inbox):
    parent_email(app, ids)
    absent(app, ids, ids["emil"])
    inbox.stop()
    tick(app)
    app.config["OUTBOX_GIVE_UP_HOURS"] = 1
    assert send(app, EVENING + dt.timedelta(hours=2))["failed"] == 1
    (row,) = rows(app)
    assert row.state == "failed"
    inbox.start()
    assert send(app, EVENING + dt.timedelta(hours=3))["sent"] == 0

    auth.login("admin")
    page = client.get("/ops/outbox?state=failed").get_data(as_text=True)
    assert "Эмиль Аблаев" in page and f"/ops/outbox/{row.id}/resend" in page
    r = auth.post(f"/ops/outbox/{row.id}/resend", page="/ops/outbox")
    assert r.status_code == 303
    assert rows(app)[0].state == "queued"
    assert send(app, dt.datetime.now() + dt.timedelta(days=400))["sent"] == 1
    assert len(inbox.messages) == 1
    r = auth.post(f"/ops/outbox/{row.id}/resend", page="/ops/outbox")  # a sent notice is not resent
    assert send(app, dt.datetime.now() + dt.timedelta(days=401))["sent"] == 0 and len(inbox.messages) == 1
    with app.app_context():
        from school.models import AuditEvent
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "outbox.resend")) == 1


def test_a_permanent_refusal_fails_at_once(app, ids, inbox):
    async def refuse(server, session, envelope):
        return "550 no such mailbox"
    inbox.handle_DATA = refuse
    inbox.stop()
    inbox.start()
    parent_email(app, ids)
    absent(app, ids, ids["emil"])
    assert tick(app)["failed"] == 1
    (row,) = rows(app)
    assert row.state == "failed" and "550" in row.last_error


def test_only_the_administrator_resends(app, client, auth, ids):
    with app.app_context():
        row_id = outbox.queue(key="k", kind="absence", to="a@b.c", language="ru", subject="s", text="t", html="h")
        db.session.execute(update(OutboxMessage).values(state="failed"))
        db.session.commit()
        row = db.session.get(OutboxMessage, row_id)
        teacher = db.session.get(User, ids["users"]["teacher"])
        with pytest.raises(PermissionError):
            outbox.resend(teacher, row)
    auth.login("teacher")
    assert client.get("/ops/outbox").status_code == 403
    assert auth.post(f"/ops/outbox/{row_id}/resend").status_code == 403


def test_the_outbox_page_on_an_empty_outbox(client, auth):
    auth.login("admin")
    r = client.get("/ops/outbox")
    assert r.status_code == 200 and "/ops/outbox?state=failed" in r.get_data(as_text=True)


# ---------------------------------------------------------------- results and the digest

def test_results_are_told_once_within_the_day(app, ids, inbox):
    parent_email(app, ids)
    tick(app, EVENING - dt.timedelta(hours=2))  # the task's first run sets its mark
    with app.app_context():
        db.session.add(PeriodMark(student_id=ids["emil"], course_id=ids["math5"], kind="period", period_id=ids["q2"],
                                  scale="five", code="5", set_by=ids["users"]["teacher"],
                                  set_at=EVENING - dt.timedelta(hours=1)))
        db.session.commit()
    assert tick(app)["result"] == 1
    assert tick(app, EVENING + dt.timedelta(minutes=5))["result"] == 0
    (message,) = inbox.messages
    assert message["Subject"] == "Эмиль Аблаев: новые итоговые отметки"
    assert "Математика, период 2: 5" in body(message)


def test_the_digest_is_the_printed_statement_of_the_same_week(app, ids, inbox):
    from school.statements import service as statements

    parent_email(app, ids)
    monday = add_lesson(app, ids["math5"], dt.date(2026, 11, 23), topic="Сложение дробей", homework="№ 7")
    add_mark(app, monday, ids["emil"], "4", "test")
    add_mark(app, ids["lesson"], ids["emil"], "5", "answer")
    absent(app, ids, ids["emil"], day=dt.date(2026, 11, 23))
    absent(app, ids, ids["emil"], code="late")
    saturday = dt.datetime(2026, 11, 28, 17, 0)
    with app.app_context(), app.test_request_context("/"):
        student = db.session.get(Student, ids["emil"])
        klass = db.session.get(SchoolClass, ids["class5"])
        printed = statements.statement(student, klass, statements.parse_span(W48))
        digest = service.digest_of(student, dt.date(2026, 11, 23))
        assert digest.marks() == [(d.date, i.course.id, m.code) for d in printed.days for i in d.lessons
                                  for m in i.marks] == [(dt.date(2026, 11, 23), ids["math5"], "4"),
                                                        (TODAY, ids["math5"], "5")]
        assert digest.totals == printed.totals and (digest.totals.unexcused, digest.totals.late) == (1, 1)
    done = tick(app, saturday)
    assert done["digest"] == 2  # Эмиль's, and his brother Ленур's in the 6th class
    digest_mail = next(m for m in inbox.messages if m["Subject"].startswith("Эмиль Аблаев: неделя"))
    assert digest_mail["Subject"] == "Эмиль Аблаев: неделя 23 ноября – 29 ноября"
    text = body(digest_mail)
    assert "пн 23 нояб., Математика: 4" in text and "вт 24 нояб., Математика: 5" in text
    assert "Пропущено уроков: 1 (по болезни 0, по уважительной причине 0, без уважительной причины 1); опозданий: 1" \
        in text
    assert "№ 7" in text
    assert tick(app, saturday + dt.timedelta(minutes=5))["digest"] == 0


def test_the_digest_names_next_weeks_tests(app, ids):
    """The weekly digest's "tests next week": the lessons of the coming week whose kind of work is a test."""
    from school.models import WorkKind
    with app.app_context():
        test_kind = db.session.scalar(select(WorkKind.id).where(WorkKind.code == "test"))
    add_lesson(app, ids["math5"], dt.date(2026, 12, 1), work_kind_id=test_kind)
    add_lesson(app, ids["rus5"], dt.date(2026, 12, 2), topic="Диктант")   # not a test
    with app.app_context(), app.test_request_context("/"):
        student = db.session.get(Student, ids["emil"])
        digest = service.digest_of(student, dt.date(2026, 11, 23))
        assert [(i.lesson.day, i.course.id) for i in digest.tests] == [(dt.date(2026, 12, 1), ids["math5"])]
        section = next(s for s in service.digest_sections(digest)
                       if s.heading == "Контрольные работы на следующей неделе")
        assert section.lines == ["вт 1 дек., Математика: Контрольная работа"]


def test_timetable_changes_for_tomorrow_go_to_families_who_chose_them(app, ids, inbox):
    from school.models import LessonChange

    person_id = parent_email(app, ids)
    tomorrow = TODAY + dt.timedelta(days=1)
    lesson = add_lesson(app, ids["rus5"], tomorrow, number=2)
    with app.app_context():
        db.session.add(LessonChange(lesson_id=lesson, day=tomorrow, kind="substitution",
                                    substitute_id=ids["users"]["teacher"], changed_by=ids["users"]["admin"],
                                    changed_at=EVENING - dt.timedelta(hours=3)))
        db.session.commit()
    assert tick(app)["timetable"] == 0  # not chosen: the default is off
    with app.app_context():
        db.session.add(NoticePreference(person_id=person_id, kind="timetable", enabled=True, changed_at=EVENING))
        db.session.commit()
    assert tick(app, EVENING + dt.timedelta(minutes=5))["timetable"] == 1
    assert tick(app, EVENING + dt.timedelta(minutes=10))["timetable"] == 0
    (message,) = inbox.messages
    assert message["Subject"] == "Эмиль Аблаев: изменения расписания на 25 ноября"
    assert "Урок 2, Русский язык: замена: Абдураимова Э." in body(message)


# ---------------------------------------------------------------- the family's choices

def test_a_parent_chooses_the_kinds(app, client, auth, ids):
    person_id = parent_email(app, ids)
    auth.login("parent")
    page = client.get("/notices/").get_data(as_text=True)
    assert "zarema@example.org" in page and 'name="digest"' in page and 'name="timetable"' in page
    r = auth.post("/notices/", {"absence": "y", "result": "y", "message": "y", "timetable": "y"}, page="/notices/")
    assert r.status_code == 303
    with app.app_context():
        assert service.preferences(person_id) == {"absence": True, "digest": False, "result": True,
                                                  "timetable": True, "message": True}
    auth.logout()
    auth.login("teacher")
    assert client.get("/notices/").status_code == 403
    with app.app_context():
        with pytest.raises(PermissionError):
            service.set_preferences(db.session.get(User, ids["users"]["teacher"]), {"digest": True})
        assert db.session.scalar(select(func.count(NoticePreference.id)).where(
            NoticePreference.person_id == db.session.get(User, ids["users"]["teacher"]).person_id)) == 0


def test_the_preferences_table_refuses_unknown_kinds(app):
    with app.app_context():
        person = db.session.scalar(select(Person))
        db.session.add(NoticePreference(person_id=person.id, kind="spam", enabled=True, changed_at=EVENING))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_the_administrator_sets_the_notice_hour_and_whether_students_write(app, client, auth):
    from school.models import AuditEvent, School
    from tests.test_admin_first_run import SCHOOL

    auth.login("admin")
    page = client.get("/admin/setup/school").get_data(as_text=True)
    assert 'name="notice_hour"' in page and 'name="students_may_write"' in page
    r = auth.post("/admin/setup/school", {**SCHOOL, "notice_hour": "24"}, page="/admin/setup/school")
    assert r.status_code == 422
    r = auth.post("/admin/setup/school", {**SCHOOL, "notice_hour": "15", "students_may_write": "y"},
                  page="/admin/setup/school")
    assert r.status_code == 303
    with app.app_context():
        school = db.session.get(School, 1)
        assert (school.notice_hour, school.students_may_write) == (15, True)
        last = db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "school_changed")
                                 .order_by(AuditEvent.id.desc()).limit(1))
        assert "notice_hour: 16 → 15" in last and "students_may_write: False → True" in last
        school.notice_hour = 99
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_the_cli_writes_and_sends_what_is_due(app, runner, ids, inbox, monkeypatch):
    parent_email(app, ids)
    absent(app, ids, ids["emil"])
    monkeypatch.setattr(service.clock, "now", lambda: EVENING)
    result = runner.invoke(args=["school", "--lang", "ru", "notices"])
    assert result.exit_code == 0, result.output
    assert "Уведомлений записано: 1; отправлено: 1" in result.output and len(inbox.messages) == 1


def test_the_worker_has_the_periodic_notices_task():
    from school import jobs

    periodic = {t.__name__: t for t in jobs.huey._registry._periodic_tasks}
    assert periodic["notices_tick"] is jobs.notices_tick.task_class
    every_five = [dt.datetime(2026, 11, 24, 17, m) for m in range(60)]
    assert [d.minute for d in every_five if periodic["notices_tick"]().validate_datetime(d)] == list(range(0, 60, 5))
