"""How large a request body may be: MAX_CONTENT_LENGTH (about 1 MB) for every route, a larger limit only on the
views that take uploads.

A view that takes files says so with @max_content_length(…) on top of its route decorator's view function:

    @bp.route("/imports/people", methods=["POST"])
    @allow("admin")
    @max_content_length(20 * 1024 * 1024)
    def import_people(): ...

The limit is applied in a before_request registered ahead of CSRF protection (which is the first to read the
form), so the larger limit is in force before any byte of the body is read. Werkzeug refuses a body whose
Content-Length is over the limit without reading it (413); a body without one is cut off at the limit.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request


def max_content_length(limit: int) -> Callable:
    """This view accepts bodies up to limit bytes instead of MAX_CONTENT_LENGTH."""
    def decorate(view: Callable) -> Callable:
        view.max_content_length = limit
        return view
    return decorate


def _apply_view_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "max_content_length", None)
    if limit is not None:
        request.max_content_length = limit


def init_app(app) -> None:
    """Call before csrf.init_app: before_request functions run in the order they were registered."""
    app.before_request(_apply_view_limit)
