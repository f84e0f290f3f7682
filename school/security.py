"""Security headers on every answer, in one place.

A few lines rather than flask-talisman: we need only fixed headers (HTTPS redirects and HSTS are the
platform's job, fly.io's force_https), and Talisman's defaults (a CSP nonce machinery, HTTPS forcing that
breaks `make run` on http://127.0.0.1) would need as many lines to switch off as these take to write.
"""
from __future__ import annotations

# No 'unsafe-inline' anywhere: templates carry no style attributes and no inline scripts or handlers
# (a test walks every page), and htmx is told not to inject its indicator <style> (base.html's htmx-config).
# img-src data: for the favicon inlined in base.html.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",  # the one-tap grid must not be framed and clickjacked
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
}


def add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app) -> None:
    app.after_request(add_headers)
