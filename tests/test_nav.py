"""The main menu (school/nav.py): built once per roles, language and script root, so what each user sees must
still be exactly their roles' links in their language."""
import re

import pytest


def menu(client, page: str = "/profile") -> list[tuple[str, str]]:
    html = client.get(page).get_data(as_text=True)
    nav = html[html.index('<nav aria-label='):html.index('<form method="post" action="/logout"')]
    return re.findall(r'<a href="([^"]+)">([^<]+)', nav)


# In the order of the menu; the factory's director reads Ukrainian, the parent Crimean Tatar, the others Russian.
EXPECTED = {
    # the factory's teacher leads 5-А: a class teacher too (a derived role)
    "teacher": ["/", "/journal/", "/timetable/", "/statements/", "/reports/", "/messages/", "/profile"],
    "director": ["/", "/journal/", "/timetable/", "/statements/", "/reports/", "/admin/changes/", "/profile"],
    "admin": ["/", "/journal/", "/timetable/", "/statements/", "/reports/", "/admin/changes/", "/admin/people/",
              "/ops/", "/profile"],
    "secretary": ["/", "/admin/people/", "/profile"],
    "parent": ["/", "/diary/", "/messages/", "/profile"],
}
TEXT = {"director": ("Головна", "Журнал"), "parent": ("Баш саифе", "Кунделик"), "teacher": ("Главная", "Журнал")}


@pytest.mark.parametrize("order", [list(EXPECTED), list(reversed(EXPECTED))])
def test_each_user_sees_their_roles_links_in_their_language(auth, client, ids, order):
    """The same process serves them one after another in both orders: a menu kept for one user's roles or
    language never shows up for another's."""
    for username in order:
        auth.login(username)
        links = menu(client)
        assert [href for href, _text in links] == EXPECTED[username], username
        if username in TEXT:
            home, second = TEXT[username]
            assert links[0][1] == home and (links[1][1] == second), (username, links)
        auth.logout()


def test_a_changed_language_changes_the_menu_at_once(auth, client, ids):
    auth.login("teacher")
    assert menu(client)[0][1] == "Главная"
    auth.post("/lang", {"language": "uk", "next": "/"})
    assert menu(client)[0][1] == "Головна"
    auth.post("/lang", {"language": "crh", "next": "/"})
    assert menu(client)[0][1] == "Баш саифе"


def test_the_templates_url_for_is_flasks_for_every_key(app):
    """template_url_for keeps built paths per endpoint, values and script root: the same answer as Flask's url_for
    under another script root, for other values, and for what it does not keep (external URLs, anchors)."""
    from flask import url_for

    from school.nav import template_url_for
    cases = [("journal.grid", {"course_id": 7}), ("journal.grid", {"course_id": 8}),
             ("journal.class_attendance", {"class_id": 3, "week": "2026-W48"}),
             ("diary.week_page", {"student_id": 5, "week": "2026-W47"}), ("main.home", {}),
             # the query's order is the caller's: kept apart, never sorted into another order
             ("reports.show", {"report": "accumulation", "period_id": 2, "class_id": 1}),
             ("reports.show", {"report": "accumulation", "class_id": 1, "period_id": 2}),
             ("messages.inbox", {"_external": True}), ("journal.grid", {"course_id": 7, "_anchor": "today"})]
    for root in ("", "/school", ""):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for _round in range(2):
                for endpoint, values in cases:
                    assert template_url_for(endpoint, **values) == url_for(endpoint, **values), (root, endpoint)
            assert template_url_for("journal.grid", course_id=7).startswith(f"{root}/journal/")
