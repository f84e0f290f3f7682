"""What differs between SQLite and PostgreSQL: dumping, restoring into a scratch database, checking, copying rows."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from contextlib import closing
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import URL, create_engine, func, inspect, select, text
from sqlalchemy.engine import Engine

SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
# Filled by the migrations themselves (school/reference.py): a freshly upgraded database holds them and is still empty.
REFERENCE_TABLES = frozenset({"alembic_version", "scale_values", "work_kinds"})


class DatabaseError(RuntimeError):
    """A dump, restore or check that failed; the message is translated and names what failed."""


def kind(url: URL) -> str:
    return "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"


def file_name(db_kind: str) -> str:
    return SQLITE_FILE if db_kind == "sqlite" else PG_FILE


# --- the dump -------------------------------------------------------------------------------------------------

def dump(engine: Engine, target: Path) -> None:
    """A consistent copy of the live database while the app goes on serving."""
    if kind(engine.url) == "sqlite":
        _dump_sqlite(engine, target)
    else:
        _run_pg("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--file", str(target)], engine.url)


def _dump_sqlite(engine: Engine, target: Path) -> None:
    # The online backup API copies every page in one step inside one read transaction: a snapshot of a committed
    # state, taken beside writers (WAL lets them go on). The copy is switched out of WAL so it is one file.
    raw = engine.raw_connection()
    try:
        with closing(sqlite3.connect(target)) as copy:
            raw.driver_connection.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        raw.close()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DatabaseError(_("%(tool)s is not installed on this machine: install the PostgreSQL client tools "
                              "(Debian: apt-get install postgresql-client).", tool=name))
    return path


def _run_pg(tool: str, args: list[str], url: URL) -> None:
    # The password goes through the environment, never on a command line others can read with ps.
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conn = ["--dbname", url.database or "postgres"]
    if url.host:
        conn += ["--host", url.host]
    if url.port:
        conn += ["--port", str(url.port)]
    if url.username:
        conn += ["--username", url.username]
    done = subprocess.run([_tool(tool), *args, *conn, "--no-password"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise DatabaseError(_("%(tool)s failed: %(reason)s", tool=tool,
                              reason=(done.stderr.strip() or str(done.returncode))[-1500:]))


# --- scratch databases ------------------------------------------------------------------------------------------

def sqlite_url(path: Path) -> URL:
    return URL.create("sqlite", database=str(path))


def create_pg_database(server: URL, prefix: str = "defter_restore") -> URL:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return server.set(database=name)


def drop_pg_database(url: URL) -> None:
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def pg_restore(dump_file: Path, url: URL, clean: bool = False) -> None:
    args = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if clean:
        args += ["--clean", "--if-exists"]
    _run_pg("pg_restore", [*args, str(dump_file)], url)


# --- checks -----------------------------------------------------------------------------------------------------

def integrity_problems(url: URL) -> list[str]:
    """What the database's own checks find: SQLite's integrity_check and foreign_key_check; on PostgreSQL every
    foreign key exists and is validated (pg_restore creates them after the data, so a violating row fails it)."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            if kind(url) == "sqlite":
                found = [row[0] for row in c.exec_driver_sql("PRAGMA integrity_check") if row[0] != "ok"]
                found += [_("%(table)s row %(rowid)s refers to a missing %(parent)s row.", table=row[0],
                            rowid=str(row[1]), parent=row[2])
                          for row in c.exec_driver_sql("PRAGMA foreign_key_check")]
                return found
            return [_("The foreign key %(name)s is not validated.", name=name) for name in c.scalars(text(
                "SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"))]
    finally:
        engine.dispose()


def row_counts(url: URL) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            names = inspect(c).get_table_names()
            return {name: c.scalar(select(func.count()).select_from(text(f'"{name}"'))) for name in names}
    finally:
        engine.dispose()


def holds_data(url: URL) -> bool:
    """True when any table has rows other than those the migrations themselves install."""
    return any(n for name, n in row_counts(url).items() if name not in REFERENCE_TABLES)


def drop_everything(url: URL) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            if kind(url) == "sqlite":
                c.exec_driver_sql("PRAGMA foreign_keys=OFF")
                for name in inspect(c).get_table_names():
                    c.exec_driver_sql(f'DROP TABLE "{name}"')
            else:
                c.execute(text("DROP SCHEMA public CASCADE"))
                c.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


# --- rows from one kind of database to the other ------------------------------------------------------------------

def copy_rows(source: URL, target: URL, metadata, batch: int = 1000) -> int:
    """Every row of every model's table, parents before children, through SQLAlchemy Core (the types convert
    between the two databases); the target is at the same migration head and emptied first. PostgreSQL's
    sequences are moved past the copied ids."""
    src, dst = create_engine(source), create_engine(target)
    copied = 0
    try:
        with src.connect() as s, dst.begin() as d:
            for table in reversed(metadata.sorted_tables):
                d.execute(table.delete())
            for table in metadata.sorted_tables:
                result = s.execution_options(stream_results=True).execute(select(table))
                for chunk in result.mappings().partitions(batch):
                    d.execute(table.insert(), [dict(row) for row in chunk])
                    copied += len(chunk)
            if kind(target) == "postgresql":
                for table in metadata.sorted_tables:
                    pk = list(table.primary_key.columns)
                    if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and pk[0].type.python_type is int:
                        d.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                            f"COALESCE((SELECT max(\"{pk[0].name}\") FROM \"{table.name}\"), 1), "
                            f"(SELECT max(\"{pk[0].name}\") IS NOT NULL FROM \"{table.name}\")) "
                            f"WHERE pg_get_serial_sequence('{table.name}', '{pk[0].name}') IS NOT NULL"))
    finally:
        src.dispose()
        dst.dispose()
    return copied
