"""Backups and verified restore (flask school backup / restore) and the administrator's page of them."""
from school.backups.routes import bp

__all__ = ["bp"]
