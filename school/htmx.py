"""Page or partial: one helper decides, and every answer varies on HX-Request."""
from __future__ import annotations

from flask import make_response, redirect, render_template

from school.extensions import htmx


def wants_partial() -> bool:
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, partial: str | None = None, status: int = 200, **context):
    template = partial if partial and wants_partial() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response



def redirect_to(target: str):
    """A redirect that htmx follows as a whole page (HX-Redirect on an empty 204), a plain one otherwise."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)
