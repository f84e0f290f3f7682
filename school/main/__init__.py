"""Home pages and the health check."""
from school.main.routes import bp

__all__ = ["bp"]
