"""Template globals: dates and numbers through Flask-Babel, the static asset with a content hash."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import request, url_for
from flask_babel import format_date, format_decimal, format_time, get_locale

from school import clock
from school.i18n import (LANGUAGE_NAMES, SUPPORTED, abbreviate, by_subject, chosen_language, localized,
                         subgroup_label)
from school.queries import school_settings
from school.register.attendance import short_labels


@lru_cache(maxsize=64)
def _digest(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def init_app(app) -> None:
    static_root = Path(app.static_folder)

    def asset(filename: str) -> str:
        """URL with a content hash, so the file can be cached for a year."""
        path = static_root / filename
        return url_for("static", filename=filename, v=_digest(str(path), path.stat().st_mtime))

    @app.after_request
    def cache_static(response):
        if request.endpoint == "static" and response.status_code == 200:
            # Read the (small) file now so Flask-Compress compresses it whole, not as a stream it never closes.
            response.direct_passthrough = False
            response.make_sequence()
        if request.endpoint == "static" and request.args.get("v"):
            response.cache_control.public = True
            response.cache_control.max_age = 31536000
            response.cache_control.immutable = True
        elif request.endpoint != "static":
            response.vary.add("HX-Request")
            response.headers.setdefault("Cache-Control", "no-store" if request.endpoint != "main.healthz" else "no-cache")
        return response

    # Globals, not a context processor: macros imported without context (cached by Jinja) see them too.
    app.jinja_env.globals.update(asset=asset, lang=chosen_language, languages=SUPPORTED,
                                 language_names=LANGUAGE_NAMES, localized=localized, school=school_settings,
                                 today=clock.today, locale=get_locale,
                                 attendance_labels=short_labels)

    app.jinja_env.filters["subgroup"] = subgroup_label
    app.jinja_env.filters["abbreviate"] = abbreviate
    app.jinja_env.filters["by_subject"] = by_subject
    app.jinja_env.filters["date"] = lambda d, fmt="medium": format_date(d, fmt) if d else ""
    app.jinja_env.filters["time"] = lambda t: format_time(t, "HH:mm") if t else ""
    app.jinja_env.filters["decimal"] = lambda n, fmt="0.00": format_decimal(n, fmt) if n is not None else ""
