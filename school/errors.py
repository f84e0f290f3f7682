"""One error page per status, translated; htmx requests get a small fragment."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from school.htmx import render


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("Nothing was found at this address."),
        405: _("This action is not allowed here."),
        409: _("Someone else changed this in the meantime."),
        413: _("What was sent is too large for this page."),
        422: _("Please correct the errors in the form."),
        429: _("Too many requests. Please wait a little."),
        500: _("Something went wrong on the server. Nothing was saved."),
    }


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render("errors/error.html", "errors/_error.html", status=400, code=400,
                      message=_("The form has expired or was not sent from this site. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        code = e.code or 500
        message = _titles().get(code, _("The request could not be understood."))
        response = render("errors/error.html", "errors/_error.html", status=code, code=code, message=message)
        if code == 405 and e.valid_methods:
            response.headers["Allow"] = ", ".join(e.valid_methods)
        return response

    @app.errorhandler(500)
    def server_error(e):
        from school.extensions import db
        db.session.rollback()
        return render("errors/error.html", "errors/_error.html", status=500, code=500, message=_titles()[500])
