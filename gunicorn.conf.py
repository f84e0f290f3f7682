"""gunicorn's settings for Defter: `gunicorn --config gunicorn.conf.py app:app` (the Dockerfile's command).

Each value can be changed from the environment; the defaults are the README's (2 workers × 4 threads).
"""
import os
import uuid


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{_int('PORT', 8080)}")
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
# No preload: each worker opens its own database connections after the fork (SQLite connections must not cross it).
preload_app = False

# A request that takes longer than this is killed with its worker (the longest, a class's statements PDF over 31 days,
# takes a few seconds); on a restart or deploy a worker gets graceful_timeout to finish what it is doing.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle a worker now and then, so a slow leak (WeasyPrint, fonts) cannot grow it without bound. Not too often: a
# new worker imports the app again, about 0.9 s of a core (python -X importtime -c "import app"), while the other
# worker carries the load. At 2,000 requests `make loadtest` recycled a worker every 5 s flat out, and 60 teachers
# got 368 saves/s instead of 502 (SQLite, this 2-core machine); a busy school's day is a few thousand requests.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = 2000

# Request limits before the app sees anything: our URLs are short, a browser sends about 20 headers, and the largest
# header is the session cookie (a few hundred bytes). The body's limit is the app's MAX_CONTENT_LENGTH.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

accesslog = "-"
errorlog = "-"
# Client, request id, request line, status, bytes, duration in microseconds, referrer, agent. The request id is the
# proxy's (X-Request-Id, or fly's Fly-Request-Id), else one made in pre_request below; it reaches the app as
# HTTP_X_REQUEST_ID.
access_log_format = '%(h)s %({x-request-id}i)s "%(r)s" %(s)s %(B)s %(D)sus "%(f)s" "%(a)s"'


def pre_request(worker, req):
    names = {name for name, _ in req.headers}
    if "X-REQUEST-ID" not in names:
        fly = next((value for name, value in req.headers if name == "FLY-REQUEST-ID"), None)
        req.headers.append(("X-REQUEST-ID", fly or uuid.uuid4().hex))


def on_starting(server):
    """/metrics sums the workers' counts in a file of the instance folder (school/ops/metrics.py): the counters
    start again with the server."""
    from school.config import instance_path
    from school.ops import metrics

    metrics.clear(instance_path())
