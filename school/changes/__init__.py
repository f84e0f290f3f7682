"""Changes of the timetable for a date: substitutions, moves, cancellations, extra lessons (/admin/changes)."""
from school.changes.routes import bp

__all__ = ["bp"]
