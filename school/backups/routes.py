from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from school.access import allow, is_admin
from school.backups import status
from school.htmx import render

bp = Blueprint("backups", __name__, url_prefix="/ops/backups")


@bp.route("")
@allow("admin")
def index():
    return render("backups/index.html", destinations=status.destinations(), runs=status.recent_runs(),
                  size_text=status.size_text)


@bp.app_template_global("backup_status")
def backup_status():
    """For the administrator's home page: the destinations and whether one needs attention (None for others)."""
    if not current_user.is_authenticated or not is_admin(current_user):
        return None
    found = status.destinations()
    return {"destinations": found, "stale": [d for d in found if d.stale]}
