"""People, classes, student movement, accounts and credential slips (/admin/people)."""
from school.people.routes import bp

__all__ = ["bp"]
