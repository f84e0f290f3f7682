from flask import Blueprint

bp = Blueprint("statements", __name__, url_prefix="/statements")

from school.statements import routes  # noqa: E402,F401
