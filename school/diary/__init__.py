"""The family diary."""
from school.diary.routes import bp

__all__ = ["bp"]
