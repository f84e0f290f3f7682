"""/admin/year-end: closing the school year (what is missing, closing, the next year, graduates and leavers)."""
from school.yearend import guard  # noqa: F401 (registers the flush listener)
from school.yearend.routes import bp

__all__ = ["bp"]
