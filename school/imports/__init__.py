"""Imports from the school's own spreadsheets: readers → plan (the preview) → apply; the web pages and
`flask school import` share both halves."""
from school.imports.routes import UPLOAD_MARGIN, bp, upload


def init_app(app) -> None:
    """IMPORT_MAX_BYTES, IMPORT_MAX_UNPACKED_BYTES: school/config.py."""
    upload.max_content_length = app.config["IMPORT_MAX_BYTES"] + UPLOAD_MARGIN
    app.register_blueprint(bp)


__all__ = ["bp", "init_app"]
