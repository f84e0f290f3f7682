"""Record user actions in the append-only audit log."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from school import clock
from school.extensions import db


def record(action: str, obj: str | None = None, details: str | None = None, user_id: int | None = None) -> None:
    from school.models import AuditEvent

    if user_id is None and current_user and current_user.is_authenticated:
        user_id = current_user.id
    db.session.add(AuditEvent(user_id=user_id, action=action[:50], object=obj[:100] if obj else None,
                              at=clock.now(), address=(request.remote_addr or "")[:64] if request else None,
                              details=details[:2000] if details else None))
