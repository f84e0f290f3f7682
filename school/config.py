"""Settings from the environment; nothing else reads os.environ for configuration."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path) / 'defter.sqlite3'}"
    # Platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def from_environment(instance_path: str) -> dict:
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        # A stable key per instance folder so sessions survive restarts without configuration.
        key_file = Path(instance_path) / "secret_key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(os.urandom(32).hex())
        secret = key_file.read_text().strip()
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Bytes a request body may have (413 above it): forms are small; a view taking uploads raises its own limit
        # with school.request_limits.max_content_length.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 1024 * 1024)),
        # Failed logins (school/auth/limits.py): per account, free failures in a row, then a doubling wait up to
        # the cap, forgotten after a day without failures; per address, how many different accounts may fail
        # within the window.
        "LOGIN_FREE_FAILURES": int(os.environ.get("LOGIN_FREE_FAILURES", 5)),
        "LOGIN_MAX_DELAY_SECONDS": int(os.environ.get("LOGIN_MAX_DELAY_SECONDS", 15 * 60)),
        "LOGIN_FORGET_HOURS": int(os.environ.get("LOGIN_FORGET_HOURS", 24)),
        "LOGIN_LIMIT_PER_ADDRESS": int(os.environ.get("LOGIN_LIMIT_PER_ADDRESS", 300)),
        "LOGIN_LIMIT_MINUTES": int(os.environ.get("LOGIN_LIMIT_MINUTES", 15)),
        # Number of reverse proxies in front (fly.io: 1): client addresses for the login limit and the audit
        # come from X-Forwarded-For only when this says a proxy is there to set it.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", 0)),
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "WTF_CSRF_TIME_LIMIT": None,
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        # Phones on 2G: brotli where the client takes it, else gzip; small answers are sent as they are.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_BR_LEVEL": 5,
        "COMPRESS_MIN_SIZE": 400,
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "application/javascript", "text/javascript",
                               "application/json", "image/svg+xml"],
    }
