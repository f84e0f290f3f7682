"""argon2 hashing (argon2-cffi)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

# argon2id with RFC 9106's second recommended option: 3 passes over 64 MiB in 4 lanes (argon2-cffi's default).
# About 0.2 s a verification on a small server, which a guessing attacker pays for every guess too.
PARAMETERS = RFC_9106_LOW_MEMORY


def use(parameters) -> None:
    """Hash, and judge hashes for rehashing, with these parameters from now on: PARAMETERS when the app is
    imported; the test suite sets cheaper ones (tests/conftest.py)."""
    global _hasher, _DUMMY
    _hasher = PasswordHasher.from_parameters(parameters)
    # Verifying against this keeps the time of a login for an unknown user like that of a known one.
    _DUMMY = _hasher.hash("not a password")


use(PARAMETERS)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
