"""A small `make loadtest` in the suite (issue 12): a few teachers saving through a real gunicorn on loopback,
then kill -9 of every server process during the load and a restart. Deselect with `-m "not load"`."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from tests.load import loadtest as L

pytestmark = pytest.mark.load


@pytest.fixture(scope="module")
def school():
    folder = Path(tempfile.mkdtemp(prefix="defter-load-small-"))
    db = L.Database(os.environ.get("DATABASE_URL") or None, folder)
    server = None
    try:
        db.build_demo()
        server = L.Server(db)
        server.start()
        yield db, server
    finally:
        if server:
            server.stop()
        db.drop()
        shutil.rmtree(folder, ignore_errors=True)


def _round(teachers, seconds: float, during=None) -> None:
    for t in teachers:
        t.plan.start = time.monotonic() + 0.1
        t.plan.paced_end = t.plan.flat_end = t.plan.start + seconds
    crowd = L.Crowd(teachers)
    crowd.start()
    if during:
        time.sleep(seconds / 2)
        during()
    crowd.join(seconds + 30)
    assert not crowd.is_alive()


def test_saves_under_load_are_answered_and_survive_kill_9(school):
    db, server = school
    plan = L.Plan(0, 0, 0)
    teachers = L.prepare(server.port, L.teacher_logins(db), 4, plan)
    assert all(t.cells for t in teachers), "every teacher has open cells in today's lessons"

    _round(teachers, 3)
    answers = {k: v for t in teachers for k, v in t.rec.statuses.items()}
    assert sum(t.rec.errors for t in teachers) == 0
    assert set(answers) <= {200, 409}, answers  # never a 5xx, never a refused save
    assert sum(len(t.rec.paced_ms) for t in teachers) >= 4 * 2
    assert db.kind == "postgresql" or not L.verify(db, teachers)

    # kill -9 of the master and every worker in the middle of a round, then a restart on the same port
    again = L.Plan(0, 0, 0)
    teachers = [t.again(again) for t in teachers]
    acked_before = sum(len(t.rec.acked) for t in teachers)
    killed = []
    _round(teachers, 3, during=lambda: (killed.append(server.kill9()), server.start()))
    assert killed == [3]  # the master and its two workers
    assert sum(len(t.rec.acked) for t in teachers) >= acked_before
    assert {k for t in teachers for k in t.rec.statuses} <= {200, 409}
    assert L.verify(db, teachers) == []


def test_verify_names_a_lost_acknowledged_save(school):
    """The check itself can fail: a cell acknowledged with a value the database does not hold is named."""
    db, _server = school
    t = L.Teacher(1, "nobody", [], {}, "", L.Plan(0, 0, 0), 0)
    t.rec.acked[(10**9, 10**9)] = "5"
    assert L.verify(db, [t]) == [f"cell {(10**9, 10**9)}: acknowledged '5', found None"]


def test_a_second_save_of_a_cell_answers_with_its_new_value(school):
    db, server = school
    cell = None
    for username in L.teacher_logins(db):  # the first teacher with lessons today
        b = L.Browser(server.port)
        b.login(username)
        cell = next((c for c in L.teacher_cells(b) if not c.marks), None)
        if cell is not None:
            break
        b.close()
    assert cell is not None
    try:
        seen = []
        for action in ("absent", "late", "ill"):
            status, body, _r = b.request("POST", f"/journal/lessons/{cell.lesson}/students/{cell.student}",
                                         {"action": action, "version": cell.version},
                                         {"HX-Request": "true", "X-CSRFToken": b.csrf})
            assert status == 200
            cell.version = L.CELL.search(body).group(3)
            seen.append(cell.version)
    finally:
        b.close()
    assert len(set(seen)) == 3


def test_a_backup_taken_during_the_load_holds_every_save_acknowledged_before_it(school, tmp_path):
    """`flask school backup` beside the writers, then `restore --verify` and `--into` a scratch database: every
    cell holds the last value acknowledged before the backup started (or one saved after it), the database intact."""
    db, server = school
    teachers = L.prepare(server.port, L.teacher_logins(db), 4, L.Plan(0, 0, 0))
    taken = []
    _round(teachers, 4, during=lambda: taken.append(L.take_backup(db, tmp_path / "backups")))
    (started, took, backup), = taken
    acked = [a for t in teachers for h in t.rec.history.values() for a in h if a.status == 200]
    assert any(a.answered < started for a in acked)
    assert any(started <= a.answered <= started + took for a in acked), "the writers went on during the backup"
    restored = L.restore_backup(db, backup, tmp_path / "restored")
    try:
        checked, problems = L.verify_backup(restored.url, teachers, started)
    finally:
        restored.drop()
    assert problems == []
    assert checked >= 4


def test_verify_backup_names_a_save_acknowledged_before_the_backup_and_missing(school):
    """The check itself can fail, and it judges only what was acknowledged before the backup started."""
    db, _server = school
    marks, _att, _problems = L.read_cells(db.url)
    (lesson, student), (code, version) = next(iter(marks.items()))
    other = next(m for m in L.MARKS if m != code)
    t = L.Teacher(1, "nobody", [], {}, "", L.Plan(0, 0, 0), 0)
    # acknowledged before the backup (at 10) with a value and version the database does not hold
    t.rec.history[(lesson, student)] = [L.Attempt(other, 1.0, 2.0, 200, f"{version + 1}-0")]
    # acknowledged only after the backup started: not judged
    t.rec.history[(10**9, 10**9)] = [L.Attempt("5", 11.0, 12.0, 200, "1-0")]
    checked, problems = L.verify_backup(db.url, [t], started=10.0)
    assert checked == 1
    assert problems == [f"cell {(lesson, student)}: acknowledged {other!r} (version {version + 1}) before the backup, "
                        f"restored {(code, version)!r}"]
    # a later save of the same cell, acknowledged after the backup started, may be what the backup holds
    t.rec.history[(lesson, student)].append(L.Attempt(code, 11.0, 12.0, 200, f"{version}-0"))
    assert L.verify_backup(db.url, [t], started=10.0) == (1, [])
    # so may one whose answer never came (with whatever version)
    t.rec.history[(lesson, student)][-1:] = [L.Attempt(code, 11.0)]
    assert L.verify_backup(db.url, [t], started=10.0) == (1, [])
