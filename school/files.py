"""Small helpers for files the app writes and checks (backups, the archive)."""
from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1024 * 1024


def sha256_of_file(path: Path) -> str:
    """The SHA-256 of a file, read a megabyte at a time (backups and archives can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()
