"""Settings from the environment; nothing else reads os.environ for configuration (tests/test_config.py checks).

Left out on purpose: DEFTER_TODAY (school/clock.py), which pins the date for the demo, the tests and the load test
and is read at each call so that a test can change it without making a new app; and the CLI's language
(school/cli.py), which follows the POSIX locale variables as every command-line program does, before any app
exists."""
import datetime as dt
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The largest spreadsheet an import takes (IMPORT_MAX_BYTES's default).
IMPORT_MAX_BYTES = 5 * 1024 * 1024


def instance_path() -> str:
    """The folder of the secret key and the default SQLite file; Docker points it at the data volume."""
    return os.environ.get("DEFTER_INSTANCE", "").strip() or str(ROOT / "instance")


def _secret_key(instance_path: str) -> str:
    """A stable key per instance folder, created exactly once even when several workers start together.

    O_EXCL lets one process create the file (mode 0600 from the start); the others read back what it wrote,
    waiting a moment in case they look between its create and its write."""
    key_file = Path(instance_path) / "secret_key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if key_file.stat().st_mode & 0o077:  # a key written by an older version, readable by others
            key_file.chmod(0o600)
    else:
        with os.fdopen(fd, "w") as f:
            f.write(os.urandom(32).hex())
    for _ in range(500):
        secret = key_file.read_text().strip()
        if len(secret) == 64:
            return secret
        time.sleep(0.01)
    raise RuntimeError(f"{key_file} holds no key: delete it or set SECRET_KEY")


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


def _cores() -> int:
    """The cores this process may run on (a container may be given fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def from_environment(instance_path: str) -> dict:
    env = os.environ.get
    return {
        "SECRET_KEY": env("SECRET_KEY") or _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        # PostgreSQL only: settings for the app's own sessions, as libpq options (school/__init__.py says why).
        "PG_SESSION_OPTIONS": env("PG_SESSION_OPTIONS", "-c random_page_cost=1.1"),
        # Processes that lay out the documents of one PDF side by side (school/statements/pdf.py); 1: in the
        # worker itself, one after another.
        "PDF_PROCESSES": max(1, int(env("PDF_PROCESSES", 0)) or _cores()),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env("SESSION_COOKIE_SECURE", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Bytes a request body may have (413 above it): forms are small; a view taking uploads raises its own limit
        # with school.request_limits.max_content_length.
        "MAX_CONTENT_LENGTH": int(env("MAX_CONTENT_LENGTH", 1024 * 1024)),
        # Failed logins (school/auth/limits.py): per account, free failures in a row, then a doubling wait up to
        # the cap, forgotten after a day without failures; per address, how many different accounts may fail
        # within the window.
        "LOGIN_FREE_FAILURES": int(env("LOGIN_FREE_FAILURES", 5)),
        "LOGIN_MAX_DELAY_SECONDS": int(env("LOGIN_MAX_DELAY_SECONDS", 15 * 60)),
        "LOGIN_FORGET_HOURS": int(env("LOGIN_FORGET_HOURS", 24)),
        "LOGIN_LIMIT_PER_ADDRESS": int(env("LOGIN_LIMIT_PER_ADDRESS", 300)),
        "LOGIN_LIMIT_MINUTES": int(env("LOGIN_LIMIT_MINUTES", 15)),
        # Staff work in shared staff rooms: short sessions; families read on their own phones: long ones.
        "SESSION_STAFF_IDLE": dt.timedelta(minutes=int(env("SESSION_STAFF_IDLE_MINUTES", 30))),
        "SESSION_STAFF_ABSOLUTE": dt.timedelta(hours=int(env("SESSION_STAFF_ABSOLUTE_HOURS", 12))),
        "SESSION_FAMILY_IDLE": dt.timedelta(days=int(env("SESSION_FAMILY_IDLE_DAYS", 7))),
        "SESSION_FAMILY_ABSOLUTE": dt.timedelta(days=int(env("SESSION_FAMILY_ABSOLUTE_DAYS", 30))),
        # Families' cookies outlive the browser (their sessions are permanent); the limits above decide, and
        # the cookie is sent again only when the session changes (last-seen at most once a minute).
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(days=int(env("SESSION_FAMILY_ABSOLUTE_DAYS", 30))),
        "SESSION_REFRESH_EACH_REQUEST": False,
        # Staff passwords expire (001 п. 3.3); a warning is shown for the last two weeks.
        "PASSWORD_MAX_AGE_DAYS": int(env("PASSWORD_MAX_AGE_DAYS", 365)),
        # Number of reverse proxies in front (fly.io: 1): client addresses for the login limit and the audit
        # come from X-Forwarded-For only when this says a proxy is there to set it.
        "TRUSTED_PROXIES": int(env("TRUSTED_PROXIES", 0)),
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        # No time limit of its own: the token is bound to the session, which expires, and logging out or
        # expiring clears the session and so the raw token (school/auth/sessions.py).
        "WTF_CSRF_TIME_LIMIT": None,
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        # Phones on 2G: brotli where the client takes it, else gzip; small answers are sent as they are.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_BR_LEVEL": 5,
        "COMPRESS_MIN_SIZE": 400,
        # E-mail to families (school/notices/): the names Flask's mail extensions use. No MAIL_SERVER: notices wait
        # in the outbox until one is set.
        "MAIL_SERVER": env("MAIL_SERVER", "").strip() or None,
        "MAIL_PORT": int(env("MAIL_PORT", 25)),
        "MAIL_USE_TLS": env("MAIL_USE_TLS", "").lower() in ("1", "true", "yes"),
        "MAIL_USE_SSL": env("MAIL_USE_SSL", "").lower() in ("1", "true", "yes"),
        "MAIL_USERNAME": env("MAIL_USERNAME", "").strip() or None,
        "MAIL_PASSWORD": env("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER", "").strip() or "defter@localhost",
        # A notice the SMTP server would not take is tried again, waiting longer each time, until this many hours
        # after it was queued; then it is failed for the administrator (the outbox page, with a resend).
        "OUTBOX_GIVE_UP_HOURS": int(env("OUTBOX_GIVE_UP_HOURS", 48)),
        # Messages between families and teachers: how many one sender may write in an hour.
        "MESSAGES_PER_HOUR": int(env("MESSAGES_PER_HOUR", 30)),
        # The address families open the school at: links in e-mails (unsubscribe, the diary) start with it.
        "PUBLIC_URL": (env("PUBLIC_URL", "").strip() or "http://localhost:5000").rstrip("/"),
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "application/javascript", "text/javascript",
                               "application/json", "image/svg+xml"],
        # Imports (school/imports/): the largest file accepted, and the most an XLSX or ODS may unpack to (an
        # ordinary 5 MB workbook unpacks to a few times its size, a zip bomb to thousands).
        "IMPORT_MAX_BYTES": int(env("IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)),
        "IMPORT_MAX_UNPACKED_BYTES": int(env("IMPORT_MAX_UNPACKED_BYTES", 10 * IMPORT_MAX_BYTES)),
        # Background work (school/jobs.py): the queue in Redis when REDIS_URL is set, else in the instance folder;
        # its name is in its Redis keys (huey.redis.<name>, …), so that several schools can share one Redis.
        "REDIS_URL": env("REDIS_URL", "").strip() or None,
        "JOBS_QUEUE_NAME": env("JOBS_QUEUE_NAME", "").strip() or "defter",
        "JOBS_RETRIES": int(env("JOBS_RETRIES", 2)),
        "JOBS_RETRY_DELAY": int(env("JOBS_RETRY_DELAY", 60)),
        # /readyz also needs a recent heartbeat of a worker.
        "WORKER_REQUIRED": env("WORKER_REQUIRED", "") == "1",
        # Backups (school/backups/): encrypted to this age recipient when set; each destination keeps this many
        # daily and monthly backups; the worker takes one every night at BACKUP_HOUR into each of the destinations
        # (os.pathsep between folders) when they are set.
        "BACKUP_AGE_RECIPIENT": env("BACKUP_AGE_RECIPIENT", "").strip() or None,
        "BACKUP_KEEP_DAILY": int(env("BACKUP_KEEP_DAILY", 7)),
        "BACKUP_KEEP_MONTHLY": int(env("BACKUP_KEEP_MONTHLY", 12)),
        "BACKUP_DESTINATIONS": [p for p in env("BACKUP_DESTINATIONS", "").split(os.pathsep) if p],
        "BACKUP_HOUR": int(env("BACKUP_HOUR", 2)),
        # The Bearer token of /metrics; unset: no /metrics (and nothing counted).
        "METRICS_TOKEN": env("METRICS_TOKEN", "").strip() or None,
        # The school's Ed25519 archive key (PEM); unset: archive_key.pem in the instance folder, made once.
        "ARCHIVE_KEY_FILE": env("ARCHIVE_KEY_FILE", "").strip() or None,
    }
