"""Messages between families and teachers (issue 13): isolation, read receipts, unread counts, limits, plain text
only, the administrator's audited reading, the e-mail notice of a new message."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from school.extensions import db
from school.models import AuditEvent, Message, MessageRead, MessageThread, OutboxMessage, School, User
from tests.conftest import csrf_token, statements_during


def write(auth, student_id, teacher_id=None, topic="Контрольная", body="Здравствуйте!", **extra):
    data = {"topic": topic, "body": body, **extra}
    if teacher_id is not None:
        data["teacher"] = str(teacher_id)
    return auth.post(f"/messages/new?student_id={student_id}", data, page=f"/messages/new?student_id={student_id}")


def threads(app) -> list[MessageThread]:
    with app.app_context():
        found = db.session.scalars(select(MessageThread).order_by(MessageThread.id)).all()
        for t in found:
            db.session.expunge(t)
        return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def unread_in_nav(html: str) -> int:
    found = re.search(r'href="/messages/">[^<]*<span class="count"[^>]*>(\d+)</span>', html)
    return int(found[1]) if found else 0


def test_a_parent_writes_to_the_class_teacher_who_answers_and_the_receipt_shows(app, client, auth, ids):
    teacher = ids["users"]["teacher"]
    auth.login("parent")
    auth.post("/lang", {"language": "ru"})
    page = client.get(f"/messages/new?student_id={ids['emil']}").get_data(as_text=True)
    assert f'value="{teacher}"' in page and f'value="{ids["users"]["teacher2"]}"' in page  # class teacher, Russian
    r = write(auth, ids["emil"], teacher, body="Эмиль завтра уйдёт после 3 урока.")
    assert r.status_code == 303
    (thread,) = threads(app)
    assert (thread.student_id, thread.teacher_id, thread.topic) == (ids["emil"], teacher, "Контрольная")
    own = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Эмиль завтра уйдёт" in own and "не прочитано" in own
    auth.logout()

    auth.login("teacher")
    auth.post("/lang", {"language": "ru"})
    assert unread_in_nav(client.get("/messages/").get_data(as_text=True)) == 1
    client.get(f"/messages/{thread.id}")
    assert unread_in_nav(client.get("/messages/").get_data(as_text=True)) == 0
    assert auth.post(f"/messages/{thread.id}", {"body": "Хорошо, спасибо."}, page="/messages/").status_code == 303
    auth.logout()

    auth.login("parent")
    html = client.get("/messages/").get_data(as_text=True)
    assert unread_in_nav(html) == 1 and "1 новое" in html
    page = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert "Хорошо, спасибо." in page and re.search(r"прочитано 24 ноября в \d\d:\d\d", page)
    assert unread_in_nav(client.get("/messages/").get_data(as_text=True)) == 0


def test_isolation_another_familys_child_or_a_teacher_who_does_not_teach_them(app, client, auth, ids):
    auth.login("parent2")
    assert client.get(f"/messages/new?student_id={ids['emil']}").status_code == 404
    assert write(auth, ids["emil"], ids["users"]["teacher"]).status_code == 404
    auth.logout()
    auth.login("parent")
    assert write(auth, ids["emil"], ids["users"]["admin"]).status_code == 404  # teaches nobody
    assert write(auth, ids["emil"], 999999).status_code == 404
    assert threads(app) == []
    assert write(auth, ids["emil"], ids["users"]["teacher"]).status_code == 303
    (thread,) = threads(app)
    auth.logout()
    for login in ("parent2", "teacher2", "student"):  # not in it: the student only when the thread includes them
        auth.login(login)
        assert client.get(f"/messages/{thread.id}").status_code == 404, login
        assert thread.topic not in client.get("/messages/").get_data(as_text=True)
        if login != "student":
            assert auth.post(f"/messages/{thread.id}", {"body": "чужое"}, page="/messages/").status_code == 404
        auth.logout()
    assert count(app, Message) == 1


def test_a_teacher_writes_only_to_families_of_students_they_teach(app, client, auth, ids):
    auth.login("teacher2")  # 6-А's class teacher, teaches Russian in 5-А, nothing of the 1st class
    assert write(auth, ids["emil"]).status_code == 303
    assert client.get(f"/messages/new?student_id={ids['other6']}").status_code == 200
    with app.app_context():
        from school.models import Enrolment
        first_grader = db.session.scalar(select(Enrolment.student_id).where(Enrolment.class_id == ids["class1"]))
    assert client.get(f"/messages/new?student_id={first_grader}").status_code == 404
    assert write(auth, first_grader).status_code == 404
    assert write(auth, 999999).status_code == 404
    auth.logout()
    auth.login("parent")
    assert "Контрольная" in auth.client.get("/messages/").get_data(as_text=True)


def test_the_class_teacher_writes_to_all_families_of_the_class(app, auth, ids):
    app.config["MESSAGES_PER_HOUR"] = 2  # a class larger than the hourly limit is still one message to send
    auth.login("teacher")
    r = write(auth, ids["emil"], whole_class="y", topic="Собрание", body="Родительское собрание в четверг.")
    assert r.status_code == 303
    assert sorted(t.student_id for t in threads(app)) == sorted([ids["emil"], *ids["other5"]])
    assert write(auth, ids["emil"], topic="Ещё одно").status_code == 303  # the second message of the hour
    assert write(auth, ids["emil"], topic="Третье").status_code == 422
    auth.logout()
    auth.login("teacher2")  # not the class teacher of 5-А: the choice is not even offered
    page = auth.client.get(f"/messages/new?student_id={ids['emil']}").get_data(as_text=True)
    assert 'name="whole_class"' not in page


def test_no_html_is_rendered_from_a_body_links_are_clickable(app, client, auth, ids):
    auth.login("parent")
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)> см. https://example.org/a?b=1&c=2.'
    write(auth, ids["emil"], ids["users"]["teacher"], topic="<b>тема</b>", body=payload)
    (thread,) = threads(app)
    page = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>тема</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">' in page
    assert "&lt;b&gt;тема&lt;/b&gt;" in page


def test_length_limit_in_the_form_and_in_the_database(app, client, auth, ids):
    auth.login("parent")
    r = write(auth, ids["emil"], ids["users"]["teacher"], body="я" * 2001)
    assert r.status_code == 422 and count(app, Message) == 0 and threads(app) == []
    assert write(auth, ids["emil"], ids["users"]["teacher"], body="я" * 2000).status_code == 303
    (thread,) = threads(app)
    assert auth.post(f"/messages/{thread.id}", {"body": "  "}, page="/messages/").status_code == 422
    with app.app_context():
        db.session.add(Message(thread_id=thread.id, author_id=ids["users"]["parent"], body="я" * 2001,
                               created_at=dt.datetime(2026, 11, 24, 10)))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_rate_limit_per_sender(app, client, auth, ids):
    app.config["MESSAGES_PER_HOUR"] = 2
    auth.login("parent")
    auth.post("/lang", {"language": "ru"})
    assert write(auth, ids["emil"], ids["users"]["teacher"]).status_code == 303
    (thread,) = threads(app)
    assert auth.post(f"/messages/{thread.id}", {"body": "ещё"}, page="/messages/").status_code == 303
    r = auth.post(f"/messages/{thread.id}", {"body": "и ещё"}, page="/messages/")
    assert r.status_code == 422 and "позже" in r.get_data(as_text=True)
    assert count(app, Message) == 2
    auth.logout()
    auth.login("teacher")  # the limit is the sender's own
    assert auth.post(f"/messages/{thread.id}", {"body": "ответ"}, page="/messages/").status_code == 303


def test_the_administrator_reads_only_with_a_recorded_reason(app, client, auth, ids):
    auth.login("parent")
    write(auth, ids["emil"], ids["users"]["teacher"], body="Жалоба на оценку")
    (thread,) = threads(app)
    auth.logout()
    auth.login("admin")
    assert f"/messages/{thread.id}" in client.get("/messages/").get_data(as_text=True)
    page = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert "Жалоба на оценку" not in page and 'name="reason"' in page
    r = auth.post(f"/messages/{thread.id}/audit", {"reason": ""}, page="/messages/")
    assert r.status_code == 422
    r = auth.post(f"/messages/{thread.id}/audit", {"reason": "жалоба № 12"}, page="/messages/")
    assert r.status_code == 200 and "Жалоба на оценку" in r.get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "messages.read"))
        assert (event.object, event.details, event.user_id) == (f"thread:{thread.id}", "жалоба № 12",
                                                                ids["users"]["admin"])
        # the administrator's reading leaves no read receipt: the family does not see "read" by someone else
        assert db.session.scalar(select(func.count(MessageRead.id)).where(
            MessageRead.user_id == ids["users"]["admin"])) == 0
    assert auth.post(f"/messages/{thread.id}", {"body": "x"}, page="/messages/").status_code == 403


def test_students_write_only_when_the_school_allows(app, client, auth, ids):
    auth.login("student")
    assert client.get("/messages/new").status_code == 200
    assert write(auth, ids["emil"], ids["users"]["teacher"]).status_code == 404
    with app.app_context():
        db.session.get(School, 1).students_may_write = True
        db.session.commit()
    assert write(auth, ids["emil"], ids["users"]["teacher"]).status_code == 303
    (thread,) = threads(app)
    assert thread.include_student
    auth.logout()
    auth.login("parent")  # the guardians read what their child writes
    assert client.get(f"/messages/{thread.id}").status_code == 200


def test_a_teacher_addresses_the_student_too(app, client, auth, ids):
    auth.login("teacher")
    write(auth, ids["emil"], include_student="y", topic="Олимпиада")
    write(auth, ids["emil"], topic="Только родителям")
    auth.logout()
    auth.login("student")
    inbox = client.get("/messages/").get_data(as_text=True)
    assert "Олимпиада" in inbox and "Только родителям" not in inbox


def test_a_new_message_is_an_email_notice_in_the_same_transaction(app, client, auth, ids):
    with app.app_context():
        db.session.get(User, ids["users"]["parent"]).person.email = "zarema@example.org"
        db.session.commit()
    auth.login("teacher")
    write(auth, ids["emil"], topic="Экскурсия", body="В пятницу экскурсия.")
    with app.app_context():
        (row,) = db.session.scalars(select(OutboxMessage)).all()
        assert (row.kind, row.to_address, row.state) == ("message", "zarema@example.org", "queued")
        assert "Экскурсия" in row.subject and "В пятницу экскурсия." in row.text and "/messages/" in row.text
    app.config["MESSAGES_PER_HOUR"] = 1
    write(auth, ids["emil"], topic="Ещё", body="Не пройдёт.")  # refused: neither message nor notice
    assert count(app, OutboxMessage) == 1 and count(app, Message) == 1


def test_the_inbox_is_small(app, client, auth, ids):
    auth.login("parent")
    for n in range(5):
        write(auth, ids["emil"], ids["users"]["teacher"], topic=f"Тема {n}", body="Текст " * 50)
    r = client.get("/messages/")
    assert r.status_code == 200 and len(r.data) < 15_000
    (first, *_rest) = threads(app)
    assert len(client.get(f"/messages/{first.id}").data) < 15_000


def test_a_pages_unread_number_is_read_with_the_login_and_after_reading_a_thread(app, client, auth, ids):
    """A page reads the navigation's number in the login's statement (no statement of its own); a thread
    opened in that request shows the number after its reading; a save (htmx) reads neither it nor the user's
    name."""
    auth.login("parent")
    assert write(auth, ids["emil"], ids["users"]["teacher"], body="Первое").status_code == 303
    assert write(auth, ids["emil"], ids["users"]["teacher"], topic="Второе", body="Второе").status_code == 303
    first, second = threads(app)
    auth.logout()

    auth.login("teacher")
    seen, page = statements_during(app, lambda: client.get("/"))
    assert unread_in_nav(page.get_data(as_text=True)) == 2
    counting = [s for s in seen if "message_reads" in s]
    assert len(counting) == 1 and counting[0].startswith("SELECT users.id"), counting
    # Opening the first thread reads its message: that page's own number is one.
    seen, page = statements_during(app, lambda: client.get(f"/messages/{first.id}"))
    assert "Первое" in page.get_data(as_text=True) and unread_in_nav(page.get_data(as_text=True)) == 1
    # A save of a grid cell (htmx) reads the login without the number.
    from tests.test_journal import HX, cell_url, current_version
    data = {"action": "5", "version": current_version(app, ids["lesson"], ids["emil"]),
            "csrf_token": csrf_token(client, "/profile")}
    seen, saved = statements_during(app, lambda: client.post(cell_url(ids["lesson"], ids["emil"]), data=data, headers=HX))
    assert saved.status_code == 200 and seen[0].startswith("SELECT users.id"), seen
    assert not any("message_reads" in s for s in seen), seen
    assert "persons" not in seen[0], seen[0]  # nor the user's name: a save does not show it
    assert unread_in_nav(client.get("/").get_data(as_text=True)) == 1
