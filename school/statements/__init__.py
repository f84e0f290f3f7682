"""Printed statements, the paper register and the summary statement."""
from school.statements.routes import bp

__all__ = ["bp"]
