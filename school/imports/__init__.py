"""Imports from the school's own spreadsheets: readers → plan (the preview) → apply; the web pages and
`flask school import` share both halves."""
import os

from school.imports.routes import UPLOAD_MARGIN, bp, upload

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def init_app(app) -> None:
    """IMPORT_MAX_BYTES: the largest file accepted (5 MB); IMPORT_MAX_UNPACKED_BYTES: the most an XLSX or ODS may
    unpack to (50 MB; an ordinary 5 MB workbook unpacks to a few times its size, a zip bomb to thousands)."""
    app.config.setdefault("IMPORT_MAX_BYTES", int(os.environ.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)))
    app.config.setdefault("IMPORT_MAX_UNPACKED_BYTES",
                          int(os.environ.get("IMPORT_MAX_UNPACKED_BYTES", 10 * DEFAULT_MAX_BYTES)))
    upload.max_content_length = app.config["IMPORT_MAX_BYTES"] + UPLOAD_MARGIN
    app.register_blueprint(bp)


__all__ = ["bp", "init_app"]
