"""`flask school …` commands, in Russian, Ukrainian or Crimean Tatar.

The language: `flask school --lang uk …`, else the environment's locale, else Russian. The whole command runs
inside Flask-Babel's force_locale, so its messages (`_`), its help (`_l`, rendered when shown) and the
translated errors of the domain speak that language.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo
from flask_babel import force_locale, format_decimal, gettext as _, lazy_gettext as _l, ngettext
from sqlalchemy import func, select

from school.extensions import db
from school.i18n import SUPPORTED, as_locale

# Click's own words on our help screens, through our catalogs ("Usage:" is written by write_usage).
_HEADINGS = {"Options": _l("Options"), "Commands": _l("Commands")}


def environment_language(environ: Mapping[str, str] = os.environ) -> str:
    """The language of the environment's locale, read as POSIX does (the first set of LC_ALL, LC_MESSAGES,
    LANG): uk_UA.UTF-8 -> uk, crh_UA -> crh; anything else (ru_RU, C, en_US, nothing) -> ru, the default."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            code = value.partition(".")[0].partition("@")[0].partition("_")[0].lower()
            return code if code in SUPPORTED else "ru"
    return "ru"


def requested_language(args: list[str]) -> str | None:
    """The value of --lang among the group's own arguments (those before the command's name), if valid."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        elif arg.startswith("-"):
            continue
        else:
            return None                               # the command's name: what follows is its own
        return value if value in SUPPORTED else None  # an invalid value gets click's error, below
    return None


class _Formatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix=_("Usage:") + " " if prefix is None else prefix)

    def section(self, name: str):
        return super().section(str(_HEADINGS.get(name, name)))


class _Context(click.Context):
    formatter_class = _Formatter


class _Option(click.Option):
    """Translates its help when shown: click.Option would clean a lazy help up into English at import."""

    def __init__(self, *args, help=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lazy_help = help

    @property
    def help(self) -> str | None:
        return None if self._lazy_help is None else str(self._lazy_help)

    @help.setter
    def help(self, value) -> None:
        self._lazy_help = value


class _Localized:
    context_class = _Context

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:                        # asked for while parsing and again when shown
            option.help = _("Show this message and exit.")
        return option


class _Command(_Localized, click.Command):
    pass


class SchoolGroup(_Localized, AppGroup):
    command_class = _Command

    def get_short_help_str(self, limit: int = 45) -> str:
        # Listed by `flask --help`, before this group chooses a language: the environment's one.
        with force_locale(as_locale(environment_language())):
            return super().get_short_help_str(limit)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Chosen before parsing: --help is handled while the group's arguments are parsed, before --lang's own
        # turn, and it must already speak the language. Flask pushes the app context for `flask school`;
        # the test runner does not.
        if not current_app:
            ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
        lang = requested_language(args) or environment_language()
        ctx.meta["school.lang"] = lang
        ctx.with_resource(force_locale(as_locale(lang)))
        try:
            return super().parse_args(ctx, args)
        except BaseException:
            ctx.close()                               # click does not close a context whose parsing failed
            raise


def option(*names: str, **attrs):
    return click.option(*names, cls=_Option, **attrs)


def language() -> str:
    return click.get_current_context().meta["school.lang"]


school_cli = SchoolGroup(
    "school",
    help=_l("Defter administration commands. They speak the language given by --lang, else the language of "
            "the environment's locale (LC_ALL, LC_MESSAGES, LANG: uk_UA.UTF-8 is Ukrainian, crh_UA Crimean "
            "Tatar), else Russian, the school's default."),
    params=[_Option(["--lang"], type=click.Choice(SUPPORTED), expose_value=False,
                    help=_l("Language of the messages: ru, uk or crh (default: the environment's locale, "
                            "else ru)."))])


@school_cli.command("create-admin",
                    help=_l("Create the first administrator (or give an existing login the administrator role)."))
@option("--username", prompt=_l("Username"), help=_l("The administrator's login."))
@option("--surname", default="Администратор", help=_l("The administrator's surname."))
@option("--name", default="Школы", help=_l("The administrator's given name."))
@option("--password", prompt=_l("Password"), hide_input=True, confirmation_prompt=_l("Repeat the password"),
        help=_l("At least 8 characters; asked for when not given."))
def create_admin(username: str, surname: str, name: str, password: str) -> None:
    from school import audit
    from school.models import Person, StaffRole, User
    from school.passwords import hash_password

    username = username.strip().lower()
    if not username or len(username) > 64:
        raise click.UsageError(_("The username must be 1 to 64 characters long."))
    if len(password) < 8:
        raise click.UsageError(_("The password must be at least 8 characters long."))
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        person = Person(surname=surname, name=name)
        user = User(person=person, username=username, password_hash=hash_password(password), language="ru")
        db.session.add(user)
        db.session.flush()
    if "admin" not in user.staff_roles:
        user.roles.append(StaffRole(role="admin"))
    audit.record("create_admin", f"user:{user.id}", user_id=user.id)
    db.session.commit()
    click.echo(_("The administrator %(username)s is ready.", username=username))


@school_cli.command("sign-out", help=_l("End every session of a user on every device (a lost phone, a shared "
                                       "password)."))
@click.argument("username")
def sign_out(username: str) -> None:
    from school import audit
    from school.models import User

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.BadParameter(_("There is no user %(username)s.", username=username), param_hint="USERNAME")
    user.end_sessions()
    audit.record("sign_out_everywhere", f"user:{user.id}", "cli")
    db.session.commit()
    click.echo(_("%(username)s is signed out everywhere.", username=user.username))


def _counted(counts: dict[str, int]) -> str:
    labels = {
        "classes": lambda n: ngettext("%(num)d class", "%(num)d classes", n),
        "students": lambda n: ngettext("%(num)d student", "%(num)d students", n),
        "teachers": lambda n: ngettext("%(num)d teacher", "%(num)d teachers", n),
        "guardians": lambda n: ngettext("%(num)d guardianship", "%(num)d guardianships", n),
        "courses": lambda n: ngettext("%(num)d course", "%(num)d courses", n),
        "lessons": lambda n: ngettext("%(num)d lesson", "%(num)d lessons", n),
        "marks": lambda n: ngettext("%(num)d mark", "%(num)d marks", n),
        "attendance": lambda n: ngettext("%(num)d attendance entry", "%(num)d attendance entries", n),
        "period_marks": lambda n: ngettext("%(num)d period mark", "%(num)d period marks", n),
    }
    return ", ".join(labels[key](n) for key, n in counts.items())


@school_cli.command("demo", help=_l("Build the demo school, deterministically."))
@option("--today", "today_", help=_l("YYYY-MM-DD: the date the demo is built up to (default: today)."))
@option("--reset", is_flag=True, help=_l("Delete everything and build the demo school anew."))
@option("--rebuild", is_flag=True,
        help=_l("Build the demo school again (for --today or today) when the database holds the demo school or "
                "nothing; refuse any other school."))
@option("--if-empty", is_flag=True, help=_l("Do nothing (and succeed) when a school already exists."))
def demo(today_: str | None, reset: bool, rebuild: bool, if_empty: bool) -> None:
    from school import clock, demo as demo_school
    from school.models import School, User

    try:
        day = dt.date.fromisoformat(today_) if today_ else clock.today()
    except ValueError:
        raise click.BadParameter(_("Give the date as YYYY-MM-DD."), param_hint="--today") from None
    exists = db.session.get(School, 1) is not None
    if rebuild and not demo_school.is_demo_school() and db.session.scalar(select(func.count(User.id))):
        click.echo(_("This database holds another school or its users: --rebuild deletes only the demo school."),
                   err=True)
        sys.exit(1)
    if exists and not (reset or rebuild):
        if if_empty:
            click.echo(_("A school already exists; the demo was not built. To build it again for another date: "
                         "make demo-reset, or flask school demo --rebuild --today YYYY-MM-DD."))
            demo_school.print_logins(click.echo, only_if_present=True, lang=language())
            return
        click.echo(_("This database already holds a school. Use --reset to delete it and build the demo."),
                   err=True)
        sys.exit(1)
    started = dt.datetime.now()
    counts = demo_school.build(day, reset=reset or rebuild)
    seconds = (dt.datetime.now() - started).total_seconds()
    click.echo(_("The demo school is built up to %(day)s in %(seconds)s s: %(counts)s.", day=day.isoformat(),
                 seconds=format_decimal(seconds, "0.0"), counts=_counted(counts)))
    demo_school.print_logins(click.echo, lang=language())


@school_cli.command("statements",
                    help=_l("Print the paper statements of a week (or any dates) into one PDF, one page per "
                            "student."))
@option("--week", "week_", help=_l("ISO week, e.g. 2026-W47 (default: this week)."))
@option("--from", "first", help=_l("First day, YYYY-MM-DD (with --to, instead of --week)."))
@option("--to", "last", help=_l("Last day, YYYY-MM-DD."))
@option("--class", "class_label", help=_l("Only this class: 5-А, 5А or 5A (default: every class)."))
@option("--all", "include_all", is_flag=True, help=_l("Every student, not only families on paper delivery."))
@option("--pdf", "pdf_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
        help=_l("The PDF file to write."))
def statements(week_, first, last, class_label, include_all, pdf_path) -> None:
    from school.statements import commands, pdf, service

    if week_ and (first or last):
        raise click.UsageError(_("Give either --week or --from and --to."))
    if bool(first) != bool(last):
        raise click.UsageError(_("Give both --from and --to."))
    try:
        count, span = commands.write_statements(week_, first, last, class_label, include_all, pdf_path)
    except service.SpanError as e:
        raise click.UsageError(str(e)) from None
    except LookupError:
        raise click.UsageError(_("There is no class %(label)s this year.", label=class_label)) from None
    except pdf.PdfUnavailable as e:
        raise click.ClickException(_("PDF files cannot be made here (WeasyPrint or Pango is missing): "
                                     "%(reason)s", reason=str(e))) from None
    if not count:
        values = dict(first=span.first.isoformat(), last=span.last.isoformat(), path=str(pdf_path))
        click.echo(_("Nothing to print: no students from %(first)s to %(last)s; %(path)s was not written.", **values)
                   if include_all else
                   _("Nothing to print: no paper-delivery students from %(first)s to %(last)s; %(path)s was not "
                     "written.", **values))
        return
    click.echo(ngettext("Wrote %(num)d statement to %(path)s.", "Wrote %(num)d statements to %(path)s.", count,
                        path=str(pdf_path)))


@school_cli.command("worker", help=_l("Run the background work (huey's consumer) until stopped; --burst runs what "
                                      "is queued and exits."))
@option("--burst", is_flag=True, help=_l("Run the queued jobs (and retries that are due), then exit (for cron)."))
@option("--workers", type=click.IntRange(1, 16), default=1, show_default=True,
        help=_l("Jobs run at the same time."))
def worker(burst: bool, workers: int) -> None:
    from school import jobs

    if burst:
        jobs.beat(jobs.worker_name())
        count = jobs.run_burst()
        click.echo(ngettext("Ran %(num)d queued job.", "Ran %(num)d queued jobs.", count))
        return
    click.echo(_("The worker is running; stop it with Ctrl+C."))
    jobs.run_worker(workers)


@school_cli.command("notices", help=_l("Write the families' notices that are due and send the outbox (the worker does "
                                       "this every five minutes; for cron and tests)."))
def notices() -> None:
    from school.notices import service

    done = service.tick()
    click.echo(_("Notices written: %(written)d; sent: %(sent)d; to try again: %(retry)d; failed: %(failed)d.",
                 written=sum(done.get(k, 0) for k in ("absence", "digest", "result")), sent=done["sent"],
                 retry=done["retry"], failed=done["failed"]))


class _Group(_Localized, click.Group):
    command_class = _Command


archive_cli = _Group("archive", help=_l("The yearly archive: registers and summary statements as PDF/A with a "
                                        "signed manifest."))
school_cli.add_command(archive_cli)


@archive_cli.command("build", help=_l("Write the archive of an academic year into a new folder DIR."))
@option("--year", "year_name", required=True, help=_l("The academic year, e.g. 2026/2027."))
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def archive_build(year_name: str, directory: Path) -> None:
    from school.ops import archive
    from school.statements import pdf

    try:
        with current_app.test_request_context("/"):
            manifest = archive.build(year_name, directory)
    except archive.ArchiveError as e:
        raise click.ClickException(str(e)) from None
    except pdf.PdfUnavailable as e:
        raise click.ClickException(_("PDF files cannot be made here (WeasyPrint or Pango is missing): "
                                     "%(reason)s", reason=str(e))) from None
    click.echo(ngettext("The archive of %(year)s is written to %(path)s: %(num)d file.",
                        "The archive of %(year)s is written to %(path)s: %(num)d files.", len(manifest["files"]),
                        year=year_name, path=str(directory)))
    click.echo(_("Key fingerprint: %(fingerprint)s", fingerprint=manifest["key_fingerprint"]))


@archive_cli.command("verify", help=_l("Check every file of the archive in DIR and the manifest's signature."))
@option("--public-key", "public_key", type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help=_l("The school's public archive key to trust (default: the key of this installation, else the key "
                "written in the archive)."))
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
def archive_verify(public_key: Path | None, directory: Path) -> None:
    from school.ops import archive

    report = archive.verify(directory, public_key)
    messages = {
        "changed": lambda p: _("changed: %(path)s", path=p),
        "missing": lambda p: _("missing: %(path)s", path=p),
        "added": lambda p: _("added: %(path)s", path=p),
    }
    if report.refused:
        click.echo(report.refused, err=True)
        sys.exit(1)
    for kind, path in report.problems:
        click.echo(messages[kind](path), err=True)
    if report.problems:
        click.echo(ngettext("The archive does not match its manifest: %(num)d problem.",
                            "The archive does not match its manifest: %(num)d problems.", len(report.problems)),
                   err=True)
        sys.exit(1)
    click.echo(ngettext("The archive is intact: %(num)d file and the signature check out.",
                        "The archive is intact: %(num)d files and the signature check out.", report.files))
    click.echo(_("Key fingerprint: %(fingerprint)s", fingerprint=report.fingerprint))


@school_cli.command("check", help=_l("Check the data's integrity (enrolments, marks and attendance outside an "
                                     "enrolment, courses, orphaned rows); exit 1 when something is found."))
def check() -> None:
    from school.ops import checks

    findings = checks.run_and_store()
    for finding in findings:
        click.echo(finding.describe())
    if findings:
        click.echo(ngettext("%(num)d problem found.", "%(num)d problems found.", len(findings)), err=True)
        sys.exit(1)
    click.echo(_("No problems found."))
import_cli = _Group("import", help=_l("Import students with their guardians, staff or classes from the school's "
                                      "own XLSX, ODS or CSV files: a preview first, written only with --confirm."))
school_cli.add_command(import_cli)

_IMPORT_HELP = {
    "people": _l("Students with their guardians, one row per student."),
    "staff": _l("Staff with their roles (their logins are made on the accounts page)."),
    "classes": _l("Classes with their class teachers and period schemes."),
}


def _outcome_names() -> dict[str, str]:
    return {"new": _("new"), "updated": _("updated"), "unchanged": _("unchanged"), "error": _("error")}


def _print_plan(plan) -> None:
    from school.imports.plan import match_rule

    click.echo(match_rule(plan.kind))
    for problem in plan.problems:
        click.echo(_("Error: %(problem)s", problem=problem))
    if plan.ignored_columns:
        click.echo(_("These columns are not read: %(columns)s.", columns=", ".join(plan.ignored_columns)))
    names = _outcome_names()
    for row in plan.rows_errors_first():
        click.echo(_("Row %(row)s: %(label)s — %(outcome)s", row=row.number, label=row.label or "—",
                     outcome=names[row.outcome]))
        for p in row.problems:
            click.echo("    " + (_("Column “%(column)s”:", column=p.column) + " " if p.column else "") + p.message)
        for change in row.changes:
            click.echo("    " + change)
    counts = plan.counts
    click.echo(_("New: %(new)s, updated: %(updated)s, unchanged: %(unchanged)s, errors: %(errors)s.",
                 new=counts["new"], updated=counts["updated"], unchanged=counts["unchanged"], errors=counts["error"]))



def _read_file(file: Path) -> bytes:
    """An import file's bytes, one more than the import limit at most (so that a larger file is refused)."""
    try:
        with open(file, "rb") as f:
            return f.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
    except OSError as e:
        raise click.ClickException(_("The file cannot be opened: %(reason)s", reason=e.strerror or str(e)))


def _read_rows(file: Path) -> tuple[bytes, list]:
    """An import file's bytes and its rows (XLSX, ODS or CSV); a file the readers refuse is the command's error."""
    from school.imports import readers

    data = _read_file(file)
    try:
        return data, readers.read_rows(file.name, data)
    except readers.FileRefused as e:
        raise click.ClickException(str(e)) from None


def _import_command(kind: str) -> None:
    @import_cli.command(kind, help=_IMPORT_HELP[kind])
    @click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
    @option("--template", "template_path", type=click.Path(dir_okay=False, path_type=Path),
            help=_l("Write the template (XLSX, headers in the command's language) to this file instead."))
    @option("--confirm", is_flag=True, help=_l("Write the rows (without it only the preview is printed)."))
    def command(file: Path | None, template_path: Path | None, confirm: bool) -> None:
        from school.imports.apply import PlanRefused, apply, sha256
        from school.imports.plan import make_plan
        from school.imports.workbook import template_xlsx

        if template_path is not None:
            template_path.write_bytes(template_xlsx(kind, language()))
            click.echo(_("The template is written to %(path)s.", path=str(template_path)))
            return
        if file is None:
            raise click.UsageError(_("Give the file to import, or --template FILE.xlsx."))
        data, rows = _read_rows(file)
        if not confirm:
            plan = make_plan(kind, rows)
            _print_plan(plan)
            if plan.has_errors:
                click.echo(_("Nothing was written: correct the rows with errors."), err=True)
                sys.exit(1)
            click.echo(_("Nothing was written yet: run the command again with --confirm to write it."))
            return
        try:
            plan, _run = apply(kind, rows, file_name=file.name, digest=sha256(data), user_id=None)
        except PlanRefused as refused:
            _print_plan(refused.plan)
            click.echo(_("Nothing was written: correct the rows with errors."), err=True)
            sys.exit(1)
        _print_plan(plan)
        click.echo(_("Written."))


for _kind in ("people", "staff", "classes"):
    _import_command(_kind)


@import_cli.command("plan", help=_l("The thematic plan of a course (№, topic, hours), which the file's rows replace "
                                    "as a whole."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@option("--course", "course_id", type=int, required=True,
        help=_l("The course's number (as in the address of its register: /journal/courses/NUMBER)."))
@option("--confirm", is_flag=True, help=_l("Write the rows (without it only the preview is printed)."))
def import_plan(file: Path, course_id: int, confirm: bool) -> None:
    from school import MAX_ID
    from school.imports.course_plan import read
    from school.models import Course
    from school.register import plan as plan_service
    from school.register.errors import RegisterError

    course = db.session.get(Course, course_id) if 0 < course_id <= MAX_ID else None
    if course is None:
        raise click.ClickException(_("There is no course number %(id)s.", id=course_id))
    _data, rows = _read_rows(file)
    preview = read(rows, plan_service.items(course.id))
    names = {"new": _("new"), "changed": _("changed"), "unchanged": _("unchanged"), "error": _("error")}
    for problem in preview.problems:
        click.echo(_("Error: %(problem)s", problem=problem))
    if preview.ignored_columns:
        click.echo(_("These columns are not read: %(columns)s.", columns=", ".join(preview.ignored_columns)))
    for row in preview.rows_errors_first():
        click.echo(_("Row %(row)s: %(label)s — %(outcome)s", row=row.number,
                     label=f"№ {row.position if row.position is not None else '—'} · {row.topic or '—'} · "
                           f"{row.hours if row.hours is not None else '—'}", outcome=names[row.outcome]))
        for problem in row.problems:
            click.echo("    " + problem)
    for item in preview.removed:
        click.echo(_("Removed: № %(position)s · %(topic)s · %(hours)s", position=item.position, topic=item.topic,
                     hours=item.hours))
    counts = preview.counts
    click.echo(_("New: %(new)s, changed: %(changed)s, unchanged: %(unchanged)s, removed: %(removed)s, "
                 "errors: %(errors)s.", new=counts["new"], changed=counts["changed"], unchanged=counts["unchanged"],
                 removed=counts["removed"], errors=counts["error"]))
    check = plan_service.hours_check(course, [])
    click.echo(ngettext("The file's plan has %(num)d hour.", "The file's plan has %(num)d hours.", preview.hours)
               + " " + ngettext("The timetable gives %(num)d lesson.", "The timetable gives %(num)d lessons.",
                                check.lessons))
    if preview.has_errors:
        click.echo(_("Nothing was written: correct the rows with errors."), err=True)
        sys.exit(1)
    if not confirm:
        click.echo(_("Nothing was written yet: run the command again with --confirm to write it."))
        return
    try:
        result = plan_service.replace(plan_service.OPERATOR, course, preview.plan_rows())
    except RegisterError as e:
        click.echo(e.message, err=True)
        sys.exit(1)
    click.echo(_("Nothing changed: the plan already holds what the file holds.") if result.changes_nothing
               else _("Written."))
def _print_timetable_plan(plan) -> None:
    from school.imports.timetable import match_rule

    click.echo(match_rule())
    for problem in plan.problems:
        click.echo(_("Error: %(problem)s", problem=problem))
    outcomes = {**_outcome_names(), "matched": _("found"), "chosen": _("chosen by hand")}
    for title, rows in ((_("Teachers"), plan.teachers), (_("Subjects"), plan.subjects), (_("Classes"), plan.classes)):
        if rows:
            click.echo(title + ":")
        for m in rows:
            found = f" → {m.existing}" if m.existing else ""
            how = f" ({m.how})" if m.how else ""
            click.echo(f"  {m.label} [{m.asc_id}]: {outcomes[m.outcome]}{found}{how}")
            for p in m.problems:
                click.echo("    " + p)
    if plan.subgroups_new:
        click.echo(_("New subgroups:"))
        for s in plan.subgroups_new:
            click.echo("  " + s)
    if plan.courses:
        click.echo(_("Courses and their slots:"))
    for c in plan.courses_in_order():
        click.echo(f"  {c.label} — {c.teacher} — {c.hours}: {outcomes[c.outcome]}")
        for line in [*c.problems, *c.changes]:
            click.echo("    " + line)
        if c.slots:
            click.echo("    " + ", ".join(c.slots))
    if plan.not_imported:
        click.echo(_("Not imported:"))
        for line in plan.not_imported:
            click.echo("  " + line)
    counts = plan.counts
    click.echo(_("New: %(new)s, updated: %(updated)s, unchanged: %(unchanged)s, errors: %(errors)s.",
                 new=counts["new"], updated=counts["updated"], unchanged=counts["unchanged"], errors=counts["error"]))
    if plan.unchanged:
        click.echo(_("Everything in the file is already in the register: importing it changes nothing."))


@import_cli.command("timetable", help=_l("The timetable from aSc Timetables (export “aSc Timetables 2012 XML”): "
                                         "teachers, subjects, classes, subgroups, courses and their slots; with "
                                         "--confirm it is written and the year's lessons are made from it."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@option("--from", "valid_from", metavar="YYYY-MM-DD",
        help=_l("The first day of the slots (by default the year's first day, or today once the year has begun)."))
@option("--map", "mapping", multiple=True, metavar="KIND:ASC_ID=ID",
        help=_l("Match a teacher, subject or class of the file by hand with the register's record: "
                "teacher:ASC_ID=USER_ID, subject:ASC_ID=SUBJECT_ID or class:ASC_ID=CLASS_ID (repeatable)."))
@option("--confirm", is_flag=True, help=_l("Write the timetable (without it only the preview is printed)."))
def import_timetable(file: Path, valid_from: str | None, mapping: tuple[str, ...], confirm: bool) -> None:
    from school.imports import readers, timetable
    from school.imports.apply import sha256
    from school.imports.asc import parse

    data = _read_file(file)
    options = {**timetable.parse_options(None), **timetable.last_choices()}
    if valid_from:
        try:
            options["valid_from"] = dt.date.fromisoformat(valid_from)
        except ValueError:
            raise click.UsageError(_("“%(value)s” is not a date: write 2026-09-01.", value=valid_from)) from None
    for item in mapping:
        kind, _sep, rest = item.partition(":")
        asc_id, _sep, record = rest.rpartition("=")
        if kind not in timetable.KINDS or not asc_id or not record.isdigit():
            raise click.UsageError(_("“%(value)s”: write --map teacher:ASC_ID=USER_ID (or subject:, class:).",
                                     value=item))
        options[kind][asc_id] = int(record)
    try:
        if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
            raise readers.FileRefused(_("The file is larger than %(mb)s MB. Split it or remove what is not needed.",
                                        mb=readers._megabytes(current_app.config["IMPORT_MAX_BYTES"])))
        asc = parse(data)
    except readers.FileRefused as e:
        raise click.ClickException(str(e)) from None
    if not confirm:
        plan = timetable.make_plan(asc, options)
        _print_timetable_plan(plan)
        if plan.has_errors:
            click.echo(_("Nothing was written: correct the errors (--map) or the file."), err=True)
            sys.exit(1)
        click.echo(_("Nothing was written yet: run the command again with --confirm to write it."))
        return
    try:
        plan, _run, changed = timetable.apply(data, options, file_name=file.name, digest=sha256(data), actor=None)
    except timetable.TimetableRefused as refused:
        _print_timetable_plan(refused.plan)
        click.echo(_("Nothing was written: correct the errors (--map) or the file."), err=True)
        sys.exit(1)
    _print_timetable_plan(plan)
    click.echo(_("Written."))
    made = timetable.generate_lessons(None, plan.year.id, plan.valid_from, changed)
    if made is not None:
        click.echo(ngettext("%(num)d lesson made from the timetable", "%(num)d lessons made from the timetable",
                            made.created) + "; " + ngettext("%(num)d removed.", "%(num)d removed.", made.removed))
@school_cli.command("backup", help=_l("Back up the database while the app serves into each DEST folder (a folder "
                                      "named with the UTC time: the database, encrypted when BACKUP_AGE_RECIPIENT "
                                      "is set, and a manifest of SHA-256 sums), then keep BACKUP_KEEP_DAILY daily "
                                      "and BACKUP_KEEP_MONTHLY monthly backups there."))
@click.argument("destinations", nargs=-1, required=True, metavar="DEST…",
                type=click.Path(file_okay=False, path_type=Path))
def backup(destinations: tuple[Path, ...]) -> None:
    from school.backups import service

    outcomes = service.backup(list(destinations))
    for o in outcomes:
        if o.ok:
            click.echo(_("%(path)s: written, %(size)s bytes.", path=str(o.path), size=format_decimal(o.size)))
            if o.removed:
                click.echo(ngettext("%(num)d old backup removed from %(folder)s.",
                                    "%(num)d old backups removed from %(folder)s.", o.removed,
                                    folder=str(o.destination)))
        else:
            click.echo(_("%(folder)s: the backup failed: %(reason)s", folder=str(o.destination), reason=o.message),
                       err=True)
    if not all(o.ok for o in outcomes):
        sys.exit(1)


@school_cli.command("restore", help=_l("Check a backup (a folder written by flask school backup): its sums, the "
                                       "restored database's integrity and foreign keys, its migration, and that "
                                       "the app starts on it; with --into, restore it there for real."))
@click.argument("backup_path", metavar="BACKUP", type=click.Path(exists=True, path_type=Path))
@option("--verify", is_flag=True, help=_l("Restore into a scratch database, check it, and throw it away."))
@option("--into", "into", metavar="DATABASE_URL",
        help=_l("Restore into this database (after the same checks); SQLite and PostgreSQL in either direction."))
@option("--force", is_flag=True, help=_l("Replace what the --into database holds."))
@option("--identity", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help=_l("The age secret key file that opens an encrypted backup."))
def restore(backup_path: Path, verify: bool, into: str | None, force: bool, identity: Path | None) -> None:
    from school.backups import restore as restoring

    if not verify and not into:
        raise click.UsageError(_("Give --verify, or --into DATABASE_URL to restore for real."))
    report = restoring.restore(backup_path, into=into, force=force, identity=identity,
                               server=current_app.config["SQLALCHEMY_DATABASE_URI"])
    for ok, message in report.lines:
        click.echo(("✓ " if ok else "✗ ") + message, err=not ok)
    if report.failed:
        click.echo(_("The backup %(path)s failed the check.", path=str(backup_path)), err=True)
        sys.exit(1)
    click.echo(_("The backup %(path)s is sound.", path=str(backup_path)))


def init_app(app) -> None:
    app.cli.add_command(school_cli)
