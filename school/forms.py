"""The base class of every form of the app (all forms.py import FlaskForm from here).

Control characters other than tab, CR and LF are refused in every field, before any view sees the data:
PostgreSQL cannot store NUL in text (it raises, a 500), and none of them belongs in a register.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FlaskForm(_FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            raw = [v for v in (field.raw_data or ()) if isinstance(v, str)]
            if any(CONTROL_CHARACTERS.search(v) for v in raw):
                field.errors = [*field.errors, _l("Remove the control characters from this field (they show as �).")]
                # Shown back to the user with the characters marked, never sent back as they came.
                field.raw_data = [CONTROL_CHARACTERS.sub("\ufffd", v) for v in raw]
                if isinstance(field.data, str):
                    field.data = CONTROL_CHARACTERS.sub("\ufffd", field.data)
                valid = False
        return valid
