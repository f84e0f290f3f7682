"""The families' notice choices, the unsubscribe link, the administrator's outbox."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from school import audit
from school.access import allow, get_or_404, public
from school.extensions import csrf, db
from school.htmx import render
from school.models import OUTBOX_STATES, OutboxMessage
from school.notices import outbox, service
from school.notices.forms import ButtonForm, PreferencesForm

bp = Blueprint("notices", __name__)
OUTBOX_PAGE = 100


@bp.record_once
def _setup(state) -> None:
    from school import jobs  # noqa: F401  (the worker's periodic notices task is registered there)


# ---------------------------------------------------------------- the family's choices

@bp.route("/notices/", methods=["GET", "POST"])
@allow("parent")
def preferences():
    form = PreferencesForm()
    chosen = service.preferences(current_user.person_id)
    if request.method == "GET":
        for kind in service.OFFERED_KINDS:
            form[kind].data = chosen[kind]
    elif form.validate_on_submit():
        service.set_preferences(current_user, {k: bool(form[k].data) for k in service.OFFERED_KINDS})
        flash(_("Your choices are saved."), "ok")
        return redirect(url_for("notices.preferences"), 303)
    return render("notices/preferences.html", form=form, email=current_user.person.email,
                  kinds={k: v for k, v in service.kind_labels().items() if k in service.OFFERED_KINDS}, status=200 if request.method == "GET" else 422)


# ---------------------------------------------------------------- the link in every notice

@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # the signed token is the proof; mail clients' one-click POST (RFC 8058) carries no form token
def unsubscribe(token: str):
    if request.method == "POST":
        found = service.unsubscribe(token)
    else:  # reading the link changes nothing (mail scanners open links): the button does
        found = service.read_token(token)
    if found is None:
        return render("notices/unsubscribe.html", found=None, status=404)
    person, kind = found
    done = request.method == "POST" or not service.wants(person.id, kind)
    return render("notices/unsubscribe.html", found=found, kind_label=service.kind_labels()[kind], done=done,
                  token=token, form=ButtonForm())


# ---------------------------------------------------------------- the administrator's outbox

def _state_labels() -> dict[str, str]:
    return {"queued": _("queued"), "sending": _("sending"), "sent": _("sent"), "failed": _("failed")}


@bp.route("/ops/outbox")
@allow("admin")
def outbox_page():
    state = request.args.get("state")
    if state not in OUTBOX_STATES:
        state = None
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(OUTBOX_PAGE)
    if state:
        query = query.where(OutboxMessage.state == state)
    counts = dict(db.session.execute(select(OutboxMessage.state, func.count(OutboxMessage.id))
                                     .group_by(OutboxMessage.state)).all())
    return render("notices/outbox.html", rows=db.session.scalars(query).all(), state=state, counts=counts,
                  states=_state_labels(), kinds=service.kind_labels(), form=ButtonForm())


@bp.route("/ops/outbox/<int:notice_id>/resend", methods=["POST"])
@allow("admin")
def resend(notice_id: int):
    row = get_or_404(OutboxMessage, notice_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    if outbox.resend(current_user, row):
        audit.record("outbox.resend", f"outbox:{row.id}", row.idempotency_key)
        db.session.commit()
        flash(_("The notice is queued again."), "ok")
    else:
        db.session.rollback()
        flash(_("Only a failed notice can be sent again."), "error")
    return redirect(url_for("notices.outbox_page"), 303)
