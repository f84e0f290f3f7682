"""Prometheus metrics in the text format, summed over the app's worker processes.

gunicorn runs several worker processes behind one port, and a scrape reaches one of them: each process counts in
memory and adds what it counted to a small SQLite file in the instance folder at most every FLUSH_SECONDS (and when
it exits); a scrape adds its own process's counts first, then reads the file, so it sees every process's requests
but the last second of the others. The file is per machine, like the instance folder: Prometheus scrapes each app
server and sums them (a store shared by the servers, such as Redis, would make each report the total). gunicorn's
master empties it when it starts (gunicorn.conf.py), so counters start again with the server, as Prometheus expects
of a restart; a worker killed with SIGKILL loses at most its last second.

No prometheus_client: four metric families need counters, a histogram and gauges read at scrape time, a few dozen
lines here; the client library would bring its own registry, mmap files per process and global state for that.
Nothing is counted while METRICS_TOKEN is unset (there is no /metrics to read it).
"""
from __future__ import annotations

import atexit
import json
import math
import os
import sqlite3
import threading
import time
from collections import defaultdict
from contextlib import closing
from pathlib import Path

from flask import Flask, current_app, g, request

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A "save": a successful write to the register (the journal's cells, lessons, reasons, period marks).
SAVE_BLUEPRINTS = frozenset({"journal"})
STORE = "metrics.sqlite3"
FLUSH_SECONDS = 1.0

REQUESTS = "defter_http_requests_total"
DURATION = "defter_http_request_duration_seconds"
SAVES = "defter_saves_total"
FAMILIES = ((REQUESTS, "counter", "Requests answered, by endpoint, method and status."),
            (DURATION, "histogram", "Time to answer, by endpoint."),
            (SAVES, "counter", "Successful writes to the register."))

Labels = tuple[tuple[str, str], ...]


def store_path(instance_path: str | os.PathLike) -> Path:
    return Path(instance_path) / STORE


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=5, isolation_level=None)
    # Counters, not records: no fsync per flush (a power cut loses the last seconds, as a restart would).
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("CREATE TABLE IF NOT EXISTS counters (name TEXT NOT NULL, labels TEXT NOT NULL, "
                 "value REAL NOT NULL, PRIMARY KEY (name, labels)) WITHOUT ROWID")
    return conn


def clear(instance_path: str | os.PathLike) -> None:
    """Counters start again from zero (gunicorn's master, when it starts)."""
    path = store_path(instance_path)
    if path.exists():
        with closing(_connect(path)) as conn:
            conn.execute("DELETE FROM counters")


class Registry:
    """One app's counts in this process, waiting to be added to the store shared with the other processes."""

    def __init__(self, path) -> None:
        self._path = path  # a callable: the instance folder may be set after the app is made (tests)
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, Labels], float] = defaultdict(float)
        self._pid: int | None = None

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self._started()
            p = self._pending
            p[(REQUESTS, (("endpoint", endpoint), ("method", method), ("status", str(status))))] += 1
            for bound in BUCKETS:
                if seconds <= bound:
                    p[(DURATION + "_bucket", (("endpoint", endpoint), ("le", str(bound))))] += 1
            p[(DURATION + "_bucket", (("endpoint", endpoint), ("le", "+Inf")))] += 1
            p[(DURATION + "_sum", (("endpoint", endpoint),))] += seconds
            p[(DURATION + "_count", (("endpoint", endpoint),))] += 1
            if method in UNSAFE and status < 400 and endpoint.partition(".")[0] in SAVE_BLUEPRINTS:
                p[(SAVES, ())] += 1

    def _started(self) -> None:
        """A thread per process flushes every FLUSH_SECONDS, and the process flushes when it exits (a gunicorn
        worker recycled after max_requests). Started on the first count, in the process that counts."""
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self._pending.clear()  # counts copied from a parent process are the parent's to add
        threading.Thread(target=self._flush_every, name="defter-metrics", daemon=True).start()
        atexit.register(self.flush)

    def _flush_every(self) -> None:
        while True:
            time.sleep(FLUSH_SECONDS)
            self.flush()

    def flush(self) -> None:
        with self._lock:
            if not self._pending:
                return
            pending, self._pending = self._pending, defaultdict(float)
        try:
            with closing(_connect(self._path())) as conn:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(
                    "INSERT INTO counters (name, labels, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
                    [(name, json.dumps(labels), value) for (name, labels), value in pending.items()])
                conn.execute("COMMIT")
        except (OSError, sqlite3.Error):  # kept for the next try: counting never fails a request
            with self._lock:
                for key, value in pending.items():
                    self._pending[key] += value

    def read(self) -> dict[tuple[str, Labels], float]:
        """Every process's counts: this one's added first."""
        self.flush()
        path = self._path()
        if not path.exists():
            return {}
        with closing(_connect(path)) as conn:
            return {(name, tuple(tuple(pair) for pair in json.loads(labels))): value
                    for name, labels, value in conn.execute("SELECT name, labels, value FROM counters")}

    def render(self, gauges: dict[str, tuple[str, list[tuple[Labels, float]]]]) -> str:
        """gauges: name -> (help, [(labels, value), …]), read at scrape time."""
        counts = self.read()
        counts.setdefault((SAVES, ()), 0)
        lines = []
        for family, kind, help_text in FAMILIES:
            lines += [f"# HELP {family} {help_text}", f"# TYPE {family} {kind}"]
            series = [(name, labels, value) for (name, labels), value in counts.items()
                      if name == family or name.startswith(family + "_") and kind == "histogram"]
            for name, labels, value in sorted(series, key=_order):
                lines.append(f"{name}{_labels(labels)} {_number(value)}")
        for name, (help_text, values) in gauges.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
            lines += [f"{name}{_labels(labels)} {_number(value)}" for labels, value in values]
        return "\n".join(lines) + "\n"


SUFFIXES = {"_bucket": 0, "_sum": 1, "_count": 2}


def _order(row):
    """A histogram's series endpoint by endpoint, buckets first in increasing le, then _sum and _count."""
    name, labels, _value = row
    other = tuple(pair for pair in labels if pair[0] != "le")
    le = dict(labels).get("le")
    suffix = next((rank for suffix, rank in SUFFIXES.items() if name.endswith(suffix)), 0)
    return other, suffix, float(le) if le is not None else 0.0


def _labels(labels: Labels) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels) + "}" if labels else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


# ---------------------------------------------------------------- wiring

def init_app(app: Flask) -> None:
    app.extensions["defter_metrics"] = Registry(lambda: store_path(app.instance_path))
    app.before_request(start)
    app.after_request(finish)


def registry() -> Registry:
    return current_app.extensions["defter_metrics"]


def start() -> None:
    if current_app.config.get("METRICS_TOKEN"):
        g._metrics_started = time.perf_counter()


def finish(response):
    started = g.pop("_metrics_started", None)
    if started is not None:
        registry().observe(request.endpoint or "none", request.method, response.status_code,
                           time.perf_counter() - started)
    return response
