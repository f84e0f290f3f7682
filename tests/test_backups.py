"""Backups and restore: backup → restore → every table equal, a damaged byte named, encryption, rotation, the
SQLite → PostgreSQL move, the record of each run and the administrator's page. On SQLite and on PostgreSQL (the
app fixture's database)."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
from pathlib import Path

import pyrage
import pytest
from sqlalchemy import create_engine, make_url, select, text

from school.backups import databases, service
from school.extensions import db
from school.models import Base, BackupRun, Person
from tests.conftest import PG_URL


def snapshot(url) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by its primary key; values as the model types read them."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return {t.name: [tuple(r) for r in c.execute(select(t).order_by(*t.primary_key.columns))]
                    for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def source_url(app):
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"])


def only_backup(dest: Path) -> Path:
    (folder,) = [p for p in dest.iterdir() if p.is_dir()]
    return folder


def pg_server():
    """The PostgreSQL server of the tests: DATABASE_URL's, else the machine's on 127.0.0.1:5432, else None."""
    if PG_URL:
        return make_url(PG_URL)
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return None
    return make_url("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def scratch_url(app, tmp_path):
    """An empty database of the fixture's kind, dropped afterwards."""
    url = source_url(app)
    if databases.kind(url) == "sqlite":
        yield databases.sqlite_url(tmp_path / "restored.sqlite3")
    else:
        made = databases.create_pg_database(url, prefix="defter_test_into")
        yield made
        databases.drop_pg_database(made)


def test_backup_restore_verify_then_into_equals_the_source_table_by_table(app, runner, tmp_path, scratch_url):
    before = snapshot(source_url(app))
    assert sum(len(rows) for rows in before.values()) > 50
    result = runner.invoke(args=["school", "backup", str(tmp_path / "usb"), str(tmp_path / "share")])
    assert result.exit_code == 0, result.output
    backup = only_backup(tmp_path / "usb")
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"] == databases.kind(source_url(app))
    assert manifest["migration_head"] == service.migration_head()
    assert manifest["app_version"] and manifest["created_at"].endswith("Z") and not manifest["encrypted"]
    (name,) = manifest["files"]
    assert manifest["files"][name]["sha256"] == service.sha256(backup / name)
    assert service.sha256(only_backup(tmp_path / "share") / name) == manifest["files"][name]["sha256"]

    verified = runner.invoke(args=["school", "restore", str(backup), "--verify"])
    assert verified.exit_code == 0, verified.output
    assert "/healthz" in verified.output

    into = runner.invoke(args=["school", "restore", str(backup), "--into",
                               scratch_url.render_as_string(hide_password=False)])
    assert into.exit_code == 0, into.output
    after = snapshot(scratch_url)
    for table, rows in before.items():
        assert after[table] == rows, table


def test_restore_into_a_migrated_empty_database_needs_no_force(app, runner, tmp_path, scratch_url):
    from school.backups.restore import _upgrade

    _upgrade(scratch_url)                     # `flask db upgrade` on a new server: tables and reference rows only
    before = snapshot(source_url(app))
    assert runner.invoke(args=["school", "backup", str(tmp_path)]).exit_code == 0
    result = runner.invoke(args=["school", "restore", str(only_backup(tmp_path)), "--into",
                                 scratch_url.render_as_string(hide_password=False)])
    assert result.exit_code == 0, result.output
    assert snapshot(scratch_url) == before


def test_each_run_is_recorded_and_a_failing_destination_does_not_stop_the_others(app, runner, tmp_path):
    (tmp_path / "a-file").write_text("a file where a folder should be")
    blocked = tmp_path / "a-file" / "backups"
    result = runner.invoke(args=["school", "backup", str(blocked), str(tmp_path / "good")])
    assert result.exit_code == 1
    with app.app_context():
        runs = {r.destination: r for r in db.session.scalars(select(BackupRun))}
    assert runs[str(blocked)].outcome == "failed" and runs[str(blocked)].message
    good = runs[str((tmp_path / "good").resolve())]
    assert good.outcome == "ok" and good.path == str(only_backup(tmp_path / "good"))
    assert good.size == sum(p.stat().st_size for p in only_backup(tmp_path / "good").iterdir())
    (name,) = json.loads((Path(good.path) / "manifest.json").read_text())["files"]
    assert good.sha256 == service.sha256(Path(good.path) / name)
    assert good.started_at <= good.finished_at


def test_a_corrupted_byte_is_named_by_the_verification(app, runner, tmp_path):
    assert runner.invoke(args=["school", "backup", str(tmp_path)]).exit_code == 0
    backup = only_backup(tmp_path)
    (name,) = json.loads((backup / "manifest.json").read_text())["files"]
    data = bytearray((backup / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (backup / name).write_bytes(bytes(data))
    result = runner.invoke(args=["school", "restore", str(backup), "--verify"])
    assert result.exit_code == 1
    assert f"✗ {name} повреждён" in result.output   # the CLI speaks ru, the default


def test_a_missing_file_is_named(app, runner, tmp_path):
    assert runner.invoke(args=["school", "backup", str(tmp_path)]).exit_code == 0
    backup = only_backup(tmp_path)
    (name,) = json.loads((backup / "manifest.json").read_text())["files"]
    (backup / name).unlink()
    result = runner.invoke(args=["school", "restore", str(backup), "--verify"])
    assert result.exit_code == 1 and f"{name} отсутствует" in result.output


def test_an_encrypted_backup_opens_with_its_key_and_not_without(app, runner, tmp_path):
    key = pyrage.x25519.Identity.generate()
    app.config["BACKUP_AGE_RECIPIENT"] = str(key.to_public())
    assert runner.invoke(args=["school", "backup", str(tmp_path / "dest")]).exit_code == 0
    backup = only_backup(tmp_path / "dest")
    manifest = json.loads((backup / "manifest.json").read_text())
    (name,) = manifest["files"]
    assert manifest["encrypted"] and name.endswith(".age")
    sealed = (backup / name).read_bytes()
    assert sealed.startswith(b"age-encryption.org/v1\n")
    assert b"SQLite format 3" not in sealed[:200] and b"PGDMP" not in sealed[:200]
    plain = pyrage.decrypt(sealed, [key])                 # what `age -d -i key.txt` does
    assert plain.startswith(b"SQLite format 3\x00" if manifest["database"] == "sqlite" else b"PGDMP")

    without = runner.invoke(args=["school", "restore", str(backup), "--verify"])
    assert without.exit_code == 1 and "--identity" in without.output
    wrong_file = tmp_path / "wrong.txt"
    wrong_file.write_text(f"# created: elsewhere\n{pyrage.x25519.Identity.generate()}\n")
    wrong = runner.invoke(args=["school", "restore", str(backup), "--verify", "--identity", str(wrong_file)])
    assert wrong.exit_code == 1 and "не открывает" in wrong.output
    key_file = tmp_path / "key.txt"
    key_file.write_text(f"# created: 2026-11-30\n# public key: {key.to_public()}\n{key}\n")
    right = runner.invoke(args=["school", "restore", str(backup), "--verify", "--identity", str(key_file)])
    assert right.exit_code == 0, right.output


def test_a_recipient_that_is_not_an_age_key_fails_the_backup(app, runner, tmp_path):
    app.config["BACKUP_AGE_RECIPIENT"] = "age1notakey"
    result = runner.invoke(args=["school", "backup", str(tmp_path / "dest")])
    assert result.exit_code == 1 and "BACKUP_AGE_RECIPIENT" in result.output
    assert not (tmp_path / "dest").exists() or not any((tmp_path / "dest").iterdir())


def test_restore_refuses_a_database_with_data_unless_forced(app, runner, tmp_path):
    assert runner.invoke(args=["school", "backup", str(tmp_path)]).exit_code == 0
    own = source_url(app).render_as_string(hide_password=False)
    result = runner.invoke(args=["school", "restore", str(only_backup(tmp_path)), "--into", own])
    assert result.exit_code == 1 and "--force" in result.output


def test_an_unreachable_target_is_a_message_not_a_traceback(app, runner, tmp_path):
    assert runner.invoke(args=["school", "backup", str(tmp_path)]).exit_code == 0
    result = runner.invoke(args=["school", "restore", str(only_backup(tmp_path)), "--into",
                                 "postgresql://nobody@127.0.0.1:1/none"])
    assert result.exit_code == 1 and "Базу данных нельзя использовать" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_restore_wants_verify_or_into(app, runner, tmp_path):
    assert runner.invoke(args=["school", "backup", str(tmp_path)]).exit_code == 0
    result = runner.invoke(args=["school", "restore", str(only_backup(tmp_path))])
    assert result.exit_code == 2 and "--verify" in result.output


def test_restore_speaks_the_chosen_language(app, runner, tmp_path):
    assert runner.invoke(args=["school", "backup", str(tmp_path)]).exit_code == 0
    result = runner.invoke(args=["school", "--lang", "uk", "restore", str(only_backup(tmp_path)), "--verify"])
    assert result.exit_code == 0 and "SHA-256 1 файлу збігається з маніфестом." in result.output


def test_a_missing_pg_dump_is_said(app, monkeypatch):
    monkeypatch.setattr(databases.shutil, "which", lambda name: None)
    with app.app_context(), pytest.raises(databases.DatabaseError, match="pg_dump"):
        databases._tool("pg_dump")


# --- rotation ------------------------------------------------------------------------------------------------

def at(text_: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text_)


def test_rotation_keeps_the_newest_of_each_recent_day_and_month():
    stamps = [at("2026-11-30T02:00"), at("2026-11-30T01:00"), at("2026-11-29T02:00"), at("2026-11-28T02:00"),
              at("2026-11-27T02:00"), at("2026-10-31T02:00"), at("2026-10-15T02:00"), at("2026-09-30T02:00"),
              at("2026-08-31T02:00")]
    keep = service.to_keep(stamps, daily=3, monthly=3)
    assert keep == {at("2026-11-30T02:00"), at("2026-11-29T02:00"), at("2026-11-28T02:00"),   # 3 days
                    at("2026-10-31T02:00"), at("2026-09-30T02:00")}                          # + 2 more months
    assert service.to_keep(stamps, daily=0, monthly=0) == set()
    assert service.to_keep(stamps, daily=1, monthly=0) == {at("2026-11-30T02:00")}


def test_rotation_deletes_only_our_old_folders(tmp_path):
    for day in range(1, 11):
        (tmp_path / f"defter-202611{day:02d}T020000Z").mkdir()
    (tmp_path / "defter-20261005T020000Z").mkdir()
    (tmp_path / "photos").mkdir()
    (tmp_path / "defter-notastamp").mkdir()
    removed = service.rotate(tmp_path, daily=7, monthly=2)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["defter-20261005T020000Z"] + [f"defter-202611{d:02d}T020000Z" for d in range(4, 11)] + [
        "defter-notastamp", "photos"]
    assert len(removed) == 3


def test_a_run_rotates_its_destination(app, runner, tmp_path):
    dest = tmp_path / "dest"
    for day in range(1, 10):
        (dest / f"defter-202601{day:02d}T020000Z").mkdir(parents=True)
    app.config.update(BACKUP_KEEP_DAILY=2, BACKUP_KEEP_MONTHLY=1)
    result = runner.invoke(args=["school", "backup", str(dest)])
    assert result.exit_code == 0, result.output
    left = sorted(p.name for p in dest.iterdir())
    # two days: today's new backup and 9 January; one month: today's month
    assert len(left) == 2 and left[0] == "defter-20260109T020000Z" and "удалено 8 старых" in result.output


# --- SQLite → PostgreSQL ---------------------------------------------------------------------------------------

def test_sqlite_backup_restores_into_postgresql(tmp_path):
    from tests.conftest import _migrate_and_fill, make_app

    server = pg_server()
    if server is None:
        pytest.skip("no PostgreSQL on DATABASE_URL or 127.0.0.1:5432")
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    _migrate_and_fill(source)
    before = snapshot(source)
    app = make_app(source)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["school", "backup", str(tmp_path / "dest")]).exit_code == 0
    target = databases.create_pg_database(server, prefix="defter_test_move")
    try:
        result = runner.invoke(args=["school", "restore", str(only_backup(tmp_path / "dest")), "--into",
                                     target.render_as_string(hide_password=False)])
        assert result.exit_code == 0, result.output
        assert snapshot(target) == before
        moved = make_app(target.render_as_string(hide_password=False))
        with moved.app_context():   # the sequences were moved past the copied ids: a new row gets a free one
            person = Person(surname="Новый", name="Человек")
            db.session.add(person)
            db.session.commit()
            assert person.id == max(row[0] for row in before["persons"]) + 1
            db.engine.dispose()
    finally:
        with app.app_context():
            db.engine.dispose()
        databases.drop_pg_database(target)


# --- the administrator's page ----------------------------------------------------------------------------------

def add_run(app, destination: str, hours_ago: float, outcome: str = "ok"):
    with app.app_context():
        finished = service.utcnow() - dt.timedelta(hours=hours_ago)
        db.session.add(BackupRun(destination=destination, path=destination + "/defter-x", size=12_300_000,
                                 sha256="a" * 64, started_at=finished, finished_at=finished, outcome=outcome,
                                 message=None if outcome == "ok" else "disk full"))
        db.session.commit()


def test_page_shows_the_last_backup_of_each_destination_and_warns_when_older_than_a_day(app, client, auth):
    add_run(app, "/mnt/usb", hours_ago=3)
    add_run(app, "/mnt/share", hours_ago=50)
    add_run(app, "/mnt/share", hours_ago=1, outcome="failed")
    auth.login("admin")
    html = client.get("/ops/backups").get_data(as_text=True)
    assert "/mnt/usb" in html and "/mnt/share" in html and "12.3" in html.replace(",", ".")
    assert html.count("старше суток") == 1 and "disk full" in html   # the admin reads ru
    home = client.get("/").get_data(as_text=True)
    assert "В 1 месте нет резервной копии за последние сутки." in home


def test_home_says_when_all_is_well_and_when_nothing_was_ever_backed_up(app, client, auth):
    auth.login("admin")
    assert "Резервных копий ещё не было." in client.get("/").get_data(as_text=True)
    add_run(app, "/mnt/usb", hours_ago=3)
    assert "Во всех местах хранения есть резервная копия" in client.get("/").get_data(as_text=True)


def test_others_see_no_backup_status(app, client, auth):
    add_run(app, "/mnt/usb", hours_ago=50)
    auth.login("director")
    assert 'id="backup-status"' not in client.get("/").get_data(as_text=True)
    assert client.get("/ops/backups").status_code == 403


def test_the_worker_takes_the_nightly_backup_at_its_hour_only(app, tmp_path):
    from school import jobs

    first, second = tmp_path / "usb", tmp_path / "share"
    app.config.update(BACKUP_DESTINATIONS=[str(first), str(second)], BACKUP_HOUR=2)
    with app.app_context():
        assert jobs.nightly_backup(dt.datetime(2026, 11, 30, 14, 5)) == []  # not its hour: nothing
        assert db.session.scalar(select(BackupRun.id)) is None
        outcomes = jobs.nightly_backup(dt.datetime(2026, 11, 30, 2, 5))
        assert [o.ok for o in outcomes] == [True, True]
        assert {r.destination for r in db.session.scalars(select(BackupRun))} == {str(first), str(second)}
    assert list(first.glob("defter-*")) and list(second.glob("defter-*"))
    app.config.update(BACKUP_DESTINATIONS=[])
    with app.app_context():
        assert jobs.nightly_backup(dt.datetime(2026, 12, 1, 2, 5)) == []  # no destinations: no backup
