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
