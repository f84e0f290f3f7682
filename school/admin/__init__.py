"""The administrator's set-up of the school: the first run and the checklist of what the school has."""
from school.admin.routes import bp

__all__ = ["bp"]
