"""What a reviewer's screenshots of the family diary (360 × 640 and 1024 × 768, ru/uk/crh) found: the move note's
year, the attendance card with nothing to count, the lowercase weekdays, the average of a subject without marks."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from school.extensions import db
from school.models import Lesson
from tests.test_diary_more import set_language

MOVED = {"ru": "Перенесён с 23.11.2026, 5-й урок.", "uk": "Перенесено з 23.11.2026, 5-й урок.",
         "crh": "23.11.2026, 5-нджи дерстен кочюрильди."}


@pytest.mark.parametrize("lang", ["ru", "uk", "crh"])
def test_the_move_note_gives_the_full_year_in_every_language(app, auth, client, ids, lang):
    """uk's "short" date format has a two-digit year (23.11.26): the note uses dd.MM.y like the other diary dates."""
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson"])
        lesson.moved_from_day, lesson.moved_from_number = dt.date(2026, 11, 23), 5
        db.session.commit()
    set_language(app, "parent", lang)
    auth.login("parent")
    html = client.get(f"/diary/{ids['emil']}").get_data(as_text=True)
    assert MOVED[lang] in html
