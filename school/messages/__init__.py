"""Messages between families and teachers."""
from school.messages.routes import bp

__all__ = ["bp"]
