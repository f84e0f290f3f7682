"""flask school restore: check a backup's sums, restore it into a scratch database, check that database, bring it
to the migration head, start the app on it; then, with --into, restore it for real."""
from __future__ import annotations

import json
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _, ngettext
from sqlalchemy import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from school.backups import crypto, databases
from school.backups.service import MANIFEST, migration_head, sha256
from school.config import ROOT


class Stop(Exception):
    """A failed step after which the rest cannot run."""


@dataclass
class Report:
    lines: list[tuple[bool, str]] = field(default_factory=list)

    def ok(self, message: str) -> None:
        self.lines.append((True, message))

    def fail(self, message: str) -> None:
        self.lines.append((False, message))

    @property
    def failed(self) -> bool:
        return any(not ok for ok, _ in self.lines)


def read_manifest(backup: Path) -> tuple[Path, dict]:
    folder = backup.parent if backup.is_file() else backup
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        if manifest.get("database") not in ("sqlite", "postgresql") or len(files) != 1:
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError):
        raise Stop(_("%(path)s holds no readable backup manifest (%(file)s).", path=str(folder),
                     file=MANIFEST)) from None
    return folder, manifest


def check_sums(folder: Path, manifest: dict, report: Report) -> None:
    bad = False
    for name, expected in manifest["files"].items():
        path = folder / Path(name).name
        if not path.is_file():
            report.fail(_("%(file)s is missing.", file=name))
            bad = True
        elif sha256(path) != expected.get("sha256"):
            report.fail(_("%(file)s is damaged: its SHA-256 differs from the manifest's.", file=name))
            bad = True
    if bad:
        raise Stop(_("The backup cannot be trusted; nothing was restored."))
    report.ok(ngettext("The SHA-256 of %(num)d file matches the manifest.",
                       "The SHA-256 of %(num)d files match the manifest.", len(manifest["files"])))


def _app_answers(url: URL) -> None:
    from sqlalchemy import func, select

    from school import create_app
    from school.extensions import db
    from school.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False), "TESTING": True})
    try:
        with app.app_context():
            status = app.test_client().get("/healthz").status_code
            db.session.scalar(select(func.count(User.id)))
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
    if status != 200:
        raise Stop(_("The app started on the restored database answers /healthz with %(status)s.",
                     status=str(status)))


def _upgrade(url: URL) -> None:
    from flask_migrate import upgrade

    from school import create_app
    from school.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False), "TESTING": True})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()


def bring_to_head(url: URL, report: Report) -> None:
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from school.backups.service import database_revision

    engine = create_engine(url)
    try:
        revision = database_revision(engine)
    finally:
        engine.dispose()
    head = migration_head()
    if revision == head:
        report.ok(_("Its migration is the app's head (%(head)s).", head=head))
        return
    known = {s.revision for s in ScriptDirectory(str(ROOT / "migrations")).walk_revisions()}
    if revision not in known:
        raise Stop(_("Its migration %(revision)s is unknown to this version of the app (head %(head)s): restore "
                     "it with the version that made it.", revision=str(revision), head=head))
    _upgrade(url)
    report.ok(_("Its migration %(revision)s was upgraded to the head %(head)s.", revision=revision, head=head))


def restore(backup: Path, *, into: str | None, force: bool, identity: Path | None,
            server: str | None) -> Report:
    """server: where a PostgreSQL backup's scratch database is made when --into names no PostgreSQL server
    (the app's own DATABASE_URL)."""
    report = Report()
    with ExitStack() as cleanup:
        try:
            _restore(backup, into, force, identity, server, report, cleanup)
        except Stop as e:
            report.fail(str(e))
        except (databases.DatabaseError, crypto.AgeKeyError) as e:
            report.fail(str(e))
        except SQLAlchemyError as e:
            report.fail(_("The database cannot be used: %(reason)s", reason=str(e.orig or e).strip()[:500]))
        except OSError as e:
            report.fail(str(e))
    return report


def _restore(backup, into, force, identity, server, report, cleanup) -> None:
    folder, manifest = read_manifest(backup)
    check_sums(folder, manifest, report)
    target = make_url(into) if into else None
    if target is not None and target.drivername in ("postgresql", "postgres"):
        target = target.set(drivername="postgresql+psycopg")
    if target is not None and databases.holds_data(target) and not force:
        raise Stop(_("%(target)s already holds a school's data: nothing was restored. Add --force to replace it.",
                     target=target.render_as_string(hide_password=True)))

    work = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="defter-restore-")))
    (name,) = manifest["files"]
    stored = folder / Path(name).name
    if manifest.get("encrypted"):
        if identity is None:
            raise Stop(_("The backup is encrypted: give the age secret key with --identity FILE."))
        plain = work / Path(name).with_suffix("").name
        if not crypto.decrypt(stored, plain, crypto.identities(identity)):
            raise Stop(_("The key in %(path)s does not open this backup.", path=str(identity)))
        report.ok(_("Decrypted with the key in %(path)s.", path=str(identity)))
    else:
        plain = stored

    # The scratch database: a temporary SQLite file, or a new PostgreSQL database on the target's or the app's server.
    if manifest["database"] == "sqlite":
        scratch_file = work / "scratch.sqlite3"
        shutil.copyfile(plain, scratch_file)
        scratch = databases.sqlite_url(scratch_file)
    else:
        host = target if target is not None and databases.kind(target) == "postgresql" else (
            make_url(server) if server else None)
        if host is None or databases.kind(host) != "postgresql":
            raise Stop(_("A PostgreSQL backup is checked on a PostgreSQL server: run this with DATABASE_URL or "
                         "--into naming one."))
        scratch = databases.create_pg_database(host)
        cleanup.callback(databases.drop_pg_database, scratch)
        databases.pg_restore(plain, scratch)
        report.ok(_("pg_restore restored it into a scratch database."))

    problems = databases.integrity_problems(scratch)
    for problem in problems:
        report.fail(problem)
    if problems:
        raise Stop(_("The restored database is damaged; nothing was restored."))
    report.ok(_("The database's integrity and foreign keys hold."))
    bring_to_head(scratch, report)
    _app_answers(scratch)
    report.ok(_("The app starts on it and answers /healthz."))
    if target is None:
        return

    if databases.row_counts(target):   # tables (even a freshly migrated, empty school's) would collide
        databases.drop_everything(target)
    if databases.kind(target) == manifest["database"] == "sqlite":
        import sqlite3
        from contextlib import closing
        with closing(sqlite3.connect(scratch.database)) as src, closing(sqlite3.connect(target.database)) as dst:
            src.backup(dst)
    elif databases.kind(target) == manifest["database"]:
        databases.pg_restore(plain, target)
        bring_to_head(target, report)
    else:
        from school.models import Base
        _upgrade(target)
        rows = databases.copy_rows(scratch, target, Base.metadata)
        report.ok(ngettext("%(num)d row copied table by table.", "%(num)d rows copied table by table.", rows))
    _app_answers(target)
    report.ok(_("Restored into %(target)s; the app answers on it.", target=target.render_as_string(hide_password=True)))
