"""Backups encrypted to an age recipient (152-ФЗ: they hold personal data), in the age file format.

pyrage writes what the standard `age` tool reads: `age -d -i key.txt database.sqlite3.age > database.sqlite3`.
Files are streamed (encrypt_file/decrypt_file), so a large database never sits in memory whole.
"""
from __future__ import annotations

from pathlib import Path

import pyrage
from flask_babel import gettext as _


class AgeKeyError(ValueError):
    """A recipient or identity that is not an age X25519 key; the message is translated."""


def recipient(text: str):
    try:
        return pyrage.x25519.Recipient.from_str(text.strip())
    except (pyrage.RecipientError, ValueError):
        raise AgeKeyError(_("BACKUP_AGE_RECIPIENT is not an age public key (age1…).")) from None


def identities(path: Path) -> list:
    """The secret keys of an identity file as age-keygen writes it: comment lines, then AGE-SECRET-KEY-1… lines."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise AgeKeyError(_("The identity file %(path)s cannot be read: %(reason)s", path=str(path),
                          reason=str(e))) from None
    keys = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    try:
        found = [pyrage.x25519.Identity.from_str(key) for key in keys]
    except (pyrage.IdentityError, ValueError):
        found = []
    if not found:
        raise AgeKeyError(_("The identity file %(path)s holds no age secret key (AGE-SECRET-KEY-1…).",
                          path=str(path)))
    return found


def encrypt(source: Path, target: Path, to) -> None:
    pyrage.encrypt_file(str(source), str(target), [to])


def decrypt(source: Path, target: Path, keys: list) -> bool:
    """False when none of the keys opens the file (or it is not an age file)."""
    try:
        pyrage.decrypt_file(str(source), str(target), keys)
    except pyrage.DecryptError:
        return False
    return True
