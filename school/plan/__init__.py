"""The calendar-thematic plan of a course: its page (the rows, edited in place, and the hours check) and its import
from a file."""
from school.plan.routes import bp

__all__ = ["bp"]
