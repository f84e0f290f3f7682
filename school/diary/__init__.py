from flask import Blueprint

bp = Blueprint("diary", __name__, url_prefix="/diary")

from school.diary import routes  # noqa: E402,F401
