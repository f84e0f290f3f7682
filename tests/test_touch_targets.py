"""Touch targets of at least 44 × 44 CSS pixels (WCAG 2.5.5), measured in Debian's chromium on the screens
people use: the teacher's grid and the statements page on a 1024 × 768 tablet, the diary and the login page on
a 360 × 640 phone."""
from __future__ import annotations

import datetime as dt

import pytest

from school.extensions import db
from school.models import PaperStatement
from tests.grid_page import cell_selector
from tests.conftest import log_in

pytestmark = pytest.mark.browser
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 360, "height": 640}

# Every visible interactive element that is smaller than 44 × 44. A checkbox or radio counts by the label
# around it (the label is what a finger hits). A link inside running prose (a <p> or <li> with text of its
# own around the link) is exempt, as WCAG exempts inline links.
SMALL = r"""() => {
  const sel = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], "
              + "#grid tbody tr[id] > td:not(.n, .pm, [id^=n], [id^=a])";  // the grid's cells
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
    let box = el;
    if (el.matches("input[type=checkbox], input[type=radio]") && el.closest("label")) box = el.closest("label");
    const r = box.getBoundingClientRect();
    if (r.right <= 0 || r.bottom <= 0) continue;  // the skip link waits off screen until focused
    if (el.tagName === "A" && getComputedStyle(el).display === "inline") {
      const block = el.parentElement.closest("p, li");
      let own = block ? block.textContent : "";
      if (block) for (const a of block.querySelectorAll("a, button")) own = own.replace(a.textContent, "");
      if (own.split(/[^\p{L}]+/u).filter(w => w.length > 1).length >= 2) continue;
    }
    if (r.width < 43.5 || r.height < 43.5) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className ? "." + el.className : ""} `
               + `"${(el.textContent || el.value || el.name || "").trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return out;
}"""


def _all_big(page):
    small = page.evaluate(SMALL)
    assert not small, "smaller than 44 × 44 on " + page.url + ":\n" + "\n".join(small)


def _page(browser, viewport, locale="ru-RU"):
    context = browser.new_context(viewport=viewport, has_touch=True, is_mobile=viewport is PHONE, locale=locale)
    return context, context.new_page()


def test_login_page_on_a_phone(live_server, browser):
    context, page = _page(browser, PHONE)
    page.goto(f"{live_server}/login")
    _all_big(page)
    context.close()


def test_grid_and_its_picker_on_a_tablet(live_server, browser, ids):
    context, page = _page(browser, TABLET)
    log_in(page, live_server, "teacher")
    page.goto(f"{live_server}/journal/courses/{ids['math5']}")
    page.wait_for_selector("#grid")
    _all_big(page)
    page.tap(cell_selector(page, ids["lesson"], ids["emil"]))
    page.wait_for_selector("#picker:not([hidden])")
    page.tap("#picker summary")  # the kind of work and comment
    _all_big(page)
    page.keyboard.press("Escape")
    page.tap(f"#p{ids['emil']} button")
    page.wait_for_selector("#ppicker:not([hidden])")
    _all_big(page)
    context.close()


@pytest.mark.parametrize("tab", ["", "/marks", "/attendance", "/class"])
def test_diary_pages_on_a_phone(live_server, browser, ids, tab):
    context, page = _page(browser, PHONE)
    log_in(page, live_server, "parent")
    page.goto(f"{live_server}/diary/{ids['emil']}{tab}")
    _all_big(page)
    context.close()


def test_statements_page_on_a_tablet(app, live_server, browser, ids):
    with app.app_context():  # a statement printed this week: its "returned signed" button is shown
        db.session.add(PaperStatement(student_id=ids["emil"], first_day=dt.date(2026, 11, 23),
                                      last_day=dt.date(2026, 11, 29), printed_at=dt.datetime(2026, 11, 24, 9),
                                      printed_by=ids["users"]["teacher"]))
        db.session.commit()
    context, page = _page(browser, TABLET)
    log_in(page, live_server, "teacher")  # the class teacher of 5-А
    page.goto(f"{live_server}/statements/")
    _all_big(page)
    assert page.locator(".paper button").first.is_visible()
    for summary in page.locator("summary").all():
        summary.tap()
    _all_big(page)
    context.close()


def _conversation(app, ids) -> int:
    """A parent's message with the teacher's answer, and a failed notice for the administrator's outbox."""
    from school.messages import service
    from school.models import OutboxMessage, Student, User
    from school.notices import outbox

    with app.test_request_context("/"):
        parent = db.session.get(User, ids["users"]["parent"])
        teacher = db.session.get(User, ids["users"]["teacher"])
        thread = service.start(parent, db.session.get(Student, ids["emil"]), teacher, "Экскурсия",
                               "Подробности: https://example.org/trip")
        service.reply(teacher, thread, "Спасибо!")
        row_id = outbox.queue(key="touch", kind="absence", to="a@example.org", language="ru", subject="Тема",
                              text="t", html="h")
        db.session.get(OutboxMessage, row_id).state = "failed"
        db.session.commit()
        return thread.id


@pytest.mark.parametrize("path", ["/messages/", "/messages/new", "/messages/new?student_id={emil}",
                                  "/messages/{thread}", "/notices/"])
def test_family_messages_on_a_phone(app, live_server, browser, ids, path):
    thread = _conversation(app, ids)
    context, page = _page(browser, PHONE)
    log_in(page, live_server, "parent")
    page.goto(live_server + path.format(emil=ids["emil"], thread=thread))
    _all_big(page)
    context.close()


@pytest.mark.parametrize("login,path", [("teacher", "/messages/"), ("teacher", "/messages/{thread}"),
                                        ("teacher", "/messages/new?student_id={emil}"), ("admin", "/ops/outbox"),
                                        ("admin", "/messages/{thread}")])
def test_messages_and_the_outbox_on_a_tablet(app, live_server, browser, ids, login, path):
    thread = _conversation(app, ids)
    context, page = _page(browser, TABLET)
    log_in(page, live_server, login)
    page.goto(live_server + path.format(emil=ids["emil"], thread=thread))
    _all_big(page)
    if path == "/ops/outbox":
        from pathlib import Path
        shots = Path(__file__).resolve().parent.parent / "screenshots"
        shots.mkdir(exist_ok=True)
        page.screenshot(path=str(shots / "outbox-tablet-ru.png"), full_page=True)
    context.close()
