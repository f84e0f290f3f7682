"""The calendar-thematic plan of a course: its page (the rows, edited in place, and the hours check) and its import
from a file."""
from school.imports.routes import UPLOAD_MARGIN
from school.plan.routes import bp, upload


@bp.record_once
def _upload_limit(state) -> None:
    """The upload takes files as large as the imports do (IMPORT_MAX_BYTES)."""
    upload.max_content_length = state.app.config["IMPORT_MAX_BYTES"] + UPLOAD_MARGIN

__all__ = ["bp"]
