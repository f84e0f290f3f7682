"""Prometheus metrics in the text format, from a small in-process registry.

No prometheus_client: four metric families need a counter, a histogram and two gauges read at scrape time, a
few dozen lines here; the client library would bring its own registry, multiprocess mode and global state for that.
Each gunicorn worker process counts its own requests (Prometheus sums the series of the instances it scrapes;
with several workers behind one port a scrape sees one worker's counts, the usual limit without a shared store).
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict

from flask import g, request

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A "save": a successful write to the register (the journal's cells, lessons, reasons, period marks).
SAVE_BLUEPRINTS = frozenset({"journal"})


class Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self.saves = 0

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(endpoint, method, str(status))] += 1
            buckets = self.buckets[endpoint]
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    buckets[i] += 1
            self.sums[endpoint] += seconds
            self.counts[endpoint] += 1
            if method in UNSAFE and status < 400 and endpoint.partition(".")[0] in SAVE_BLUEPRINTS:
                self.saves += 1

    def render(self, gauges: dict[str, tuple[str, float]]) -> str:
        lines = ["# HELP defter_http_requests_total Requests answered, by endpoint, method and status.",
                 "# TYPE defter_http_requests_total counter"]
        with self._lock:
            for (endpoint, method, status), n in sorted(self.requests.items()):
                lines.append(f'defter_http_requests_total{{endpoint="{_escape(endpoint)}",method="{method}",'
                             f'status="{status}"}} {n}')
            lines += ["# HELP defter_http_request_duration_seconds Time to answer, by endpoint.",
                      "# TYPE defter_http_request_duration_seconds histogram"]
            for endpoint in sorted(self.counts):
                label = _escape(endpoint)
                for bound, n in zip(BUCKETS, self.buckets[endpoint]):
                    lines.append(f'defter_http_request_duration_seconds_bucket{{endpoint="{label}",le="{bound}"}} {n}')
                lines.append(f'defter_http_request_duration_seconds_bucket{{endpoint="{label}",le="+Inf"}} '
                             f'{self.counts[endpoint]}')
                lines.append(f'defter_http_request_duration_seconds_sum{{endpoint="{label}"}} '
                             f'{self.sums[endpoint]:.6f}')
                lines.append(f'defter_http_request_duration_seconds_count{{endpoint="{label}"}} '
                             f'{self.counts[endpoint]}')
            lines += ["# HELP defter_saves_total Successful writes to the register.",
                      "# TYPE defter_saves_total counter", f"defter_saves_total {self.saves}"]
        for name, (help_text, value) in gauges.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


registry = Registry()


def start() -> None:
    g._metrics_started = time.perf_counter()


def finish(response):
    started = g.pop("_metrics_started", None)
    if started is not None:
        registry.observe(request.endpoint or "none", request.method, response.status_code,
                         time.perf_counter() - started)
    return response
