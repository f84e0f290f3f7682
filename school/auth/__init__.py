"""Login, logout, the language switch, the profile, ending a user's sessions."""
from school.auth.routes import bp

__all__ = ["bp"]
