"""The yearly archive (000 п. 8, Приложение 5 п. 3.3): every course's paper register per period and every class's
summary statement as PDF/A, a manifest of their SHA-256 sums with retention (journals 5 years, summary statements
25 years), signed with the school's Ed25519 archive key, and a README in ru/uk/crh.

Layout of an archive folder:
  manifest.json      what is inside: every file with its sum, size, kind and retention; the generation time
  manifest.sig       the Ed25519 signature of manifest.json's bytes (base64)
  archive-key.pub    the school's public archive key (PEM); its fingerprint is in the manifest
  README.txt         what is inside and how to verify it
  registers/<class>/<subject>-<period>.pdf, summaries/<class>.pdf
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from school import clock
from school.files import sha256_of_file as sha256_of
from school.extensions import db
from school.i18n import sort_key
from school.models import AcademicYear, Course, SchoolClass

FORMAT = "defter-archive/1"
MANIFEST, SIGNATURE, PUBLIC_KEY, README = "manifest.json", "manifest.sig", "archive-key.pub", "README.txt"
# Years each kind is kept after the academic year ends (000 п. 8).
RETENTION = {"register": 5, "summary": 25, "readme": 25, "key": 25}


class ArchiveError(Exception):
    """An archive that cannot be built here; the message is translated."""


# ---------------------------------------------------------------- the school's key

def key_file() -> Path:
    return Path(current_app.config["ARCHIVE_KEY_FILE"] or Path(current_app.instance_path) / "archive_key.pem")


def school_key() -> Ed25519PrivateKey:
    """The school's archive key, generated once (mode 0600 from its creation; O_EXCL: one creator even when two
    processes start together)."""
    path = key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as f:
            f.write(Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ArchiveError(_("%(path)s is not an Ed25519 key.", path=str(path)))
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()
    return ":".join(digest[i:i + 4] for i in range(0, 32, 4))


# ---------------------------------------------------------------- building

def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_") or "_"


@dataclass
class Item:
    path: str
    kind: str
    make: Callable[[], bytes]


def _items(year: AcademicYear) -> list[Item]:
    from school.register import calendar
    from school.statements import documents, pdf

    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)
                                 .order_by(SchoolClass.grade, SchoolClass.letter)).all()
    items = []
    for klass in classes:
        label = _safe(klass.label)
        courses = db.session.scalars(select(Course).where(Course.year_id == year.id, Course.class_id == klass.id))
        courses = sorted(courses, key=lambda c: (sort_key(c.subject.short, "ru"), c.subgroup_id or 0))
        for course in courses:
            name = _safe(course.subject.short + (f"-{course.subgroup.name}" if course.subgroup else ""))
            for period in calendar.periods_of(klass):
                items.append(Item(f"registers/{label}/{name}-{period.number}.pdf", "register",
                                  lambda c=course, p=period: pdf.to_pdf(documents.register_document(c, p),
                                                                        archival=True)))

        def summary_pdf(k=klass):
            html, result = documents.summary_document(k)
            return pdf.to_pdf(html, archival=True, attachments={"marks.txt": result.canonical})
        items.append(Item(f"summaries/{label}.pdf", "summary", summary_pdf))
    return items


def _readme(year: AcademicYear, fp: str) -> str:
    """Plain text in the three languages of the school (not through the catalogs: all three at once)."""
    return f"""\
Defter — архив {year.name} / архів {year.name} / {year.name} аркъиви

[ru]
В этой папке — архив учебного года {year.name}: бумажные журналы каждого курса по периодам (registers/)
и сводные ведомости каждого класса (summaries/) в формате PDF/A со встроенными шрифтами.
Журналы хранятся 5 лет, сводные ведомости — 25 лет (срок каждого файла указан в manifest.json).
manifest.json перечисляет каждый файл с его суммой SHA-256; manifest.sig — подпись Ed25519 файла
manifest.json ключом школы; archive-key.pub — открытый ключ школы (отпечаток {fp}).
Проверка: flask --app app school archive verify ЭТА_ПАПКА (называет каждый изменённый, пропавший
или лишний файл). Без Defter: sha256sum каждого файла и сравнение с manifest.json; подпись проверяет
любая библиотека Ed25519 (например, cryptography на Python) по archive-key.pub.
Храните копии на двух носителях в разных помещениях.

[uk]
У цій теці — архів навчального року {year.name}: паперові журнали кожного курсу за періодами (registers/)
і зведені відомості кожного класу (summaries/) у форматі PDF/A з вбудованими шрифтами.
Журнали зберігаються 5 років, зведені відомості — 25 років (строк кожного файлу вказано в manifest.json).
manifest.json перелічує кожен файл із його сумою SHA-256; manifest.sig — підпис Ed25519 файлу
manifest.json ключем школи; archive-key.pub — відкритий ключ школи (відбиток {fp}).
Перевірка: flask --app app school archive verify ЦЯ_ТЕКА (називає кожен змінений, зниклий
або зайвий файл). Без Defter: sha256sum кожного файлу і порівняння з manifest.json; підпис перевіряє
будь-яка бібліотека Ed25519 (наприклад, cryptography на Python) за archive-key.pub.
Зберігайте копії на двох носіях у різних приміщеннях.

[crh]
Бу папкада {year.name} окъув йылынынъ аркъиви бар: эр курснынъ черик-черик кягъыт дефтерлери (registers/)
ве эр сыныфнынъ джыйыкъ ведомостьлери (summaries/), ичине шрифтлер ерлештирильген PDF/A форматында.
Дефтерлер 5 йыл, джыйыкъ ведомостьлер 25 йыл сакъланалар (эр файлнынъ муддети manifest.json ичинде язылы).
manifest.json эр файлны онынъ SHA-256 джемиси иле косьтере; manifest.sig — мектепнинъ анахтары иле
manifest.json файлынынъ Ed25519 имзасы; archive-key.pub — мектепнинъ ачыкъ анахтары (изи {fp}).
Тешкерюв: flask --app app school archive verify БУ_ПАПКА (денъиштирильген, ёкъ олгъан я да
артыкъ эр файлны адынен айта). Defter олмадан: эр файлнынъ sha256sum джемисини manifest.json иле
тенъештиринъиз; имзаны archive-key.pub иле исе де бир Ed25519 китапханеси тешкере.
Копиялерни эки айры одада эки айры ташыйыджыда сакъланъыз.
"""


def build(year_name: str, target: Path, progress: Callable[..., None] | None = None) -> dict:
    """Write the archive of a year into target (new or empty), whole or not at all: it is made in a sibling
    folder and renamed into place. Returns the manifest. Raises ArchiveError, pdf.PdfUnavailable."""
    year = db.session.scalar(select(AcademicYear).where(AcademicYear.name == year_name.strip()))
    if year is None:
        raise ArchiveError(_("There is no academic year %(year)s.", year=year_name))
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ArchiveError(_("%(path)s exists and is not an empty folder: an archive is written into a new one.",
                             path=str(target)))
    key = school_key()
    fp = fingerprint(key.public_key())
    items = _items(year)
    progress = progress or (lambda *_: None)
    progress(0, len(items) + 1)
    work = target.with_name(target.name + ".part")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    retain_from = year.last_day
    files = []

    def add(relative: str, kind: str, data: bytes) -> None:
        path = work / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        until = retain_from.replace(year=retain_from.year + RETENTION[kind])
        files.append({"path": relative, "kind": kind, "sha256": hashlib.sha256(data).hexdigest(),
                      "size": len(data), "retain_years": RETENTION[kind], "retain_until": until.isoformat()})

    for i, item in enumerate(items, 1):
        add(item.path, item.kind, item.make())
        progress(i)
    add(PUBLIC_KEY, "key", public_pem(key.public_key()))
    add(README, "readme", _readme(year, fp).encode("utf-8"))
    manifest = {
        "format": FORMAT,
        "year": year.name,
        "generated_at": clock.now().isoformat(),
        "key_fingerprint": fp,
        "retention_years": {"register": RETENTION["register"], "summary": RETENTION["summary"]},
        "files": sorted(files, key=lambda f: f["path"]),
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    (work / MANIFEST).write_bytes(data)
    (work / SIGNATURE).write_text(base64.b64encode(key.sign(data)).decode("ascii") + "\n")
    if target.exists():
        target.rmdir()
    work.rename(target)
    progress(len(items) + 1)
    return manifest


# ---------------------------------------------------------------- verifying

@dataclass
class Report:
    files: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (changed|missing|added, relative path)
    refused: str | None = None  # why nothing in the archive can be trusted
    fingerprint: str | None = None


def _trusted_key(directory: Path, public_key: Path | None) -> Ed25519PublicKey | None:
    """The key to check the signature with: the one given, else this installation's, else the archive's own (which
    proves only that the archive is whole; its fingerprint is printed for the administrator to compare)."""
    if public_key is not None:
        data = public_key.read_bytes()
    elif current_app and key_file().exists():
        return school_key().public_key()
    elif (directory / PUBLIC_KEY).is_file():
        data = (directory / PUBLIC_KEY).read_bytes()
    else:
        return None
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def verify(directory: Path, public_key: Path | None = None) -> Report:
    directory = Path(directory)
    report = Report()
    manifest_file, signature_file = directory / MANIFEST, directory / SIGNATURE
    if not manifest_file.is_file() or not signature_file.is_file():
        report.refused = _("%(path)s has no manifest.json or manifest.sig: it is not an archive, or they are lost.",
                           path=str(directory))
        return report
    key = _trusted_key(directory, public_key)
    if key is None:
        report.refused = _("No Ed25519 public key to check the signature with.")
        return report
    report.fingerprint = fingerprint(key)
    data = manifest_file.read_bytes()
    try:
        key.verify(base64.b64decode(signature_file.read_text().strip(), validate=True), data)
        manifest = json.loads(data)
        entries = {f["path"]: f for f in manifest["files"]}
    except (InvalidSignature, ValueError, KeyError, TypeError):
        report.refused = _("The manifest's signature does not check out with the key %(fingerprint)s: the manifest "
                           "was changed or signed with another key. Nothing in this archive can be trusted.",
                           fingerprint=report.fingerprint)
        return report
    root = directory.resolve()
    for relative, entry in sorted(entries.items()):
        path = (directory / relative).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            report.problems.append(("missing", relative))
        elif path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
            report.problems.append(("changed", relative))
    present = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file() or p.is_symlink()}
    for relative in sorted(present - set(entries) - {MANIFEST, SIGNATURE}):
        report.problems.append(("added", relative))
    report.files = len(entries)
    return report

