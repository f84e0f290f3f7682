"""Credential slips: one per person, each in the family's language, as a print page or an A4 PDF. Built only in
the answer of the POST that made the passwords: they are never stored in clear and never shown again."""
from __future__ import annotations

import io

from flask import make_response, render_template, request, send_file
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from school import clock
from school.htmx import render
from school.i18n import as_locale
from school.models import SchoolClass
from school.statements import pdf
from school.statements.service import school_name


def slip_html(slip, site: str) -> Markup:
    with force_locale(as_locale(slip.lang)):
        return Markup(render_template("people/_slip.html", s=slip, site=site, school_name=school_name(slip.lang),
                                      printed_on=clock.today()))


def document(slips, klass: SchoolClass | None = None) -> str:
    site = request.host_url
    return render_template("people/slips_print.html", pages=[slip_html(s, site) for s in slips], klass=klass)


def answer(slips, output: str, klass: SchoolClass | None = None):
    """The slips as the POST's answer; never cached (the passwords are in it)."""
    html = document(slips, klass)
    if output == "pdf":
        try:
            data = pdf.to_pdf(html)
        except pdf.PdfUnavailable:
            return render("errors/error.html", status=503, code=503, message=_(
                "PDF files cannot be made on this server (WeasyPrint or the Pango library is missing). "
                "Open the print view and use the browser's Print command."))
        name = f"slips-{klass.label}.pdf" if klass else "slip.pdf"
        response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)
    else:
        response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response
