"""flask school backup: one consistent dump, written (encrypted when a recipient is set) into each destination
with a manifest of SHA-256 sums, recorded in backup_runs, then each destination rotated."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_babel import gettext as _

from school.backups import crypto, databases
from school.config import ROOT
from school.extensions import db
from school.files import sha256_of_file as sha256

MANIFEST = "manifest.json"
PREFIX = "defter-"
STAMP = "%Y%m%dT%H%M%SZ"
NAME_RE = re.compile(r"^defter-(\d{8}T\d{6}Z)$")


def settings() -> dict:
    """BACKUP_AGE_RECIPIENT, BACKUP_KEEP_DAILY, BACKUP_KEEP_MONTHLY (school/config.py)."""
    config = current_app.config
    return {
        "recipient": (config["BACKUP_AGE_RECIPIENT"] or "").strip(),
        "keep_daily": int(config["BACKUP_KEEP_DAILY"]),
        "keep_monthly": int(config["BACKUP_KEEP_MONTHLY"]),
    }


def utcnow() -> dt.datetime:
    """Backups live in real time (not DEFTER_TODAY's pinned date): naive UTC like the other stored times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def migration_head() -> str | None:
    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def database_revision(engine) -> str | None:
    with engine.connect() as c:
        return MigrationContext.configure(c).get_current_revision()


def app_version() -> str:
    try:
        return metadata.version("defter")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- rotation ------------------------------------------------------------------------------------------------

def stamp_of(name: str) -> dt.datetime | None:
    match = NAME_RE.match(name)
    if not match:
        return None
    try:
        return dt.datetime.strptime(match.group(1), STAMP)
    except ValueError:
        return None


def to_keep(stamps: list[dt.datetime], daily: int, monthly: int) -> set[dt.datetime]:
    """The newest backup of each of the `daily` latest days that have one, and of each of the `monthly` latest
    months that have one (the usual grandfather-father rule: a month's survivor is its last backup)."""
    keep: set[dt.datetime] = set()
    for width, count in ((10, daily), (7, monthly)):   # "YYYY-MM-DD" / "YYYY-MM" of the isoformat
        seen: list[str] = []
        for stamp in sorted(stamps, reverse=True):
            key = stamp.isoformat()[:width]
            if key not in seen:
                if len(seen) == count:
                    break
                seen.append(key)
                keep.add(stamp)
    return keep


def rotate(destination: Path, daily: int, monthly: int) -> list[Path]:
    """Delete this destination's backups that the rule does not keep; only folders named as ours are touched."""
    ours = {stamp: path for path in destination.iterdir()
            if path.is_dir() and (stamp := stamp_of(path.name)) is not None}
    keep = to_keep(list(ours), daily, monthly)
    removed = []
    for stamp, path in sorted(ours.items()):
        if stamp not in keep:
            shutil.rmtree(path)
            removed.append(path)
    return removed


# --- the backup ----------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    destination: Path
    ok: bool
    path: Path | None = None
    size: int | None = None
    message: str = ""
    removed: int = 0


def _staging() -> Path:
    # Beside the SQLite file on the data volume (the instance folder), not in a small /tmp.
    folder = Path(current_app.instance_path) / "backup-staging"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write_into(destination: Path, name: str, files: dict[str, Path], manifest: dict) -> tuple[Path, int]:
    folder = destination / name
    partial = destination / f".{name}.partial"   # renamed when complete: a half-written backup never looks whole
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    for file_name, source in files.items():
        shutil.copyfile(source, partial / file_name)
        if sha256(partial / file_name) != manifest["files"][file_name]["sha256"]:
            raise OSError(_("The copy of %(file)s in %(folder)s does not match its SHA-256.", file=file_name,
                            folder=str(destination)))
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for path in partial.iterdir():
        with path.open("rb") as f:
            os.fsync(f.fileno())
    partial.rename(folder)
    return folder, sum(p.stat().st_size for p in folder.iterdir())


def backup(destinations: list[Path], now: dt.datetime | None = None) -> list[Outcome]:
    """Writes one backup into every destination; a destination that fails does not stop the others. Every
    destination's run is recorded in backup_runs."""
    from school.models import BackupRun

    conf = settings()
    started = now or utcnow()
    name = PREFIX + started.strftime(STAMP)
    engine = db.engine
    db_kind = databases.kind(engine.url)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(dir=_staging()) as staging:
        staged = Path(staging)
        try:
            to = crypto.recipient(conf["recipient"]) if conf["recipient"] else None
            plain = staged / databases.file_name(db_kind)
            revision = database_revision(engine)
            databases.dump(engine, plain)
            stored = plain
            if to is not None:
                stored = staged / (plain.name + ".age")
                crypto.encrypt(plain, stored, to)
                plain.unlink()
            digest = sha256(stored)
            manifest = {
                "format": 1, "app": "defter", "app_version": app_version(), "migration_head": revision,
                "database": db_kind, "created_at": started.isoformat() + "Z", "encrypted": to is not None,
                "encryption": "age-x25519" if to is not None else None,
                "files": {stored.name: {"sha256": digest, "size": stored.stat().st_size}},
            }
        except (databases.DatabaseError, crypto.AgeKeyError, OSError) as e:
            outcomes = [Outcome(Path(d).resolve(), False, message=str(e)) for d in destinations]
        else:
            for destination in destinations:
                destination = Path(destination).resolve()
                try:
                    destination.mkdir(parents=True, exist_ok=True)
                    if (destination / name).exists():
                        raise OSError(_("%(path)s already exists.", path=str(destination / name)))
                    folder, size = _write_into(destination, name, {stored.name: stored}, manifest)
                    removed = rotate(destination, conf["keep_daily"], conf["keep_monthly"])
                    outcomes.append(Outcome(destination, True, folder, size, removed=len(removed)))
                except OSError as e:
                    outcomes.append(Outcome(destination, False, message=str(e)))
    finished = max(utcnow(), started)
    for o in outcomes:
        db.session.add(BackupRun(destination=str(o.destination)[:1000], path=str(o.path)[:1000] if o.path else None,
                                 size=o.size, sha256=digest if o.ok else None, started_at=started,
                                 finished_at=finished, outcome="ok" if o.ok else "failed",
                                 message=o.message[:2000] or None))
    db.session.commit()
    return outcomes
