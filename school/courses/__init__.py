"""Courses: the curriculum of each class, the course form, the copy of last year's courses (/admin/courses)."""
from school.courses.routes import bp

__all__ = ["bp"]
