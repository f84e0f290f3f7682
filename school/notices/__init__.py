"""Families informed: e-mail notices through the outbox, the families' choices, the administrator's outbox."""
from school.notices.routes import bp

__all__ = ["bp"]
