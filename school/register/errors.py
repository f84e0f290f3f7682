"""Refusals of the register: a translated message and the HTTP status of the conventions."""
from __future__ import annotations

from flask_babel import gettext as _


class RegisterError(Exception):
    status = 422

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Conflict(RegisterError):
    """Someone else wrote first: the answer shows the current value."""
    status = 409

    def __init__(self, message: str | None = None):
        super().__init__(message or conflict_message())


class NotFound(RegisterError):
    status = 404

    def __init__(self, message: str | None = None):
        super().__init__(message or _("Nothing was found at this address."))


class Forbidden(RegisterError):
    """May read, may not write (403)."""
    status = 403

    def __init__(self, message: str | None = None):
        super().__init__(message or _("You may read this but not change it."))


def conflict_message() -> str:
    return _("Someone else changed this cell in the meantime. The current value is shown; "
             "enter yours again if it is still right.")
