"""`flask school …` commands."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from school.extensions import db

school_cli = AppGroup("school", help="Defter administration commands.")


@school_cli.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--surname", default="Администратор")
@click.option("--name", default="Школы")
@click.password_option()
def create_admin(username: str, surname: str, name: str, password: str) -> None:
    """Create the first administrator (or give an existing login the administrator role)."""
    from school import audit
    from school.models import Person, StaffRole, User
    from school.passwords import hash_password

    username = username.strip().lower()
    if not username or len(username) > 64:
        raise click.UsageError("username must be 1 to 64 characters")
    if len(password) < 8:
        raise click.UsageError("password must be at least 8 characters")
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
    click.echo(f"administrator {username} is ready")


@school_cli.command("sign-out")
@click.argument("username")
def sign_out(username: str) -> None:
    """End every session of a user on every device (a lost phone, a shared password)."""
    from school import audit
    from school.models import User

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.BadParameter(f"no user {username}", param_hint="USERNAME")
    user.end_sessions()
    audit.record("sign_out_everywhere", f"user:{user.id}", "cli")
    db.session.commit()
    click.echo(f"{user.username} is signed out everywhere")


@school_cli.command("demo")
@click.option("--today", "today_", help="YYYY-MM-DD: the date the demo is built up to (default: today).")
@click.option("--reset", is_flag=True, help="Delete everything and build the demo school anew.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when a school already exists.")
def demo(today_: str | None, reset: bool, if_empty: bool) -> None:
    """Build the demo school, deterministically."""
    from school import clock, demo as demo_school
    from school.models import School

    day = dt.date.fromisoformat(today_) if today_ else clock.today()
    exists = db.session.get(School, 1) is not None
    if exists and not reset:
        if if_empty:
            click.echo("a school already exists; the demo was not built")
            demo_school.print_logins(click.echo, only_if_present=True)
            return
        click.echo("This database already holds a school. Use --reset to delete it and build the demo.", err=True)
        sys.exit(1)
    started = dt.datetime.now()
    counts = demo_school.build(day, reset=reset)
    seconds = (dt.datetime.now() - started).total_seconds()
    click.echo(f"demo school built up to {day.isoformat()} in {seconds:.1f} s: "
               + ", ".join(f"{k} {v}" for k, v in counts.items()))
    demo_school.print_logins(click.echo)


@school_cli.command("statements")
@click.option("--week", "week_", help="ISO week, e.g. 2026-W47 (default: this week).")
@click.option("--from", "first", help="First day, YYYY-MM-DD (with --to, instead of --week).")
@click.option("--to", "last", help="Last day, YYYY-MM-DD.")
@click.option("--class", "class_label", help="Only this class: 5-А, 5А or 5A (default: every class).")
@click.option("--all", "include_all", is_flag=True, help="Every student, not only families on paper delivery.")
@click.option("--pdf", "pdf_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF file to write.")
def statements(week_, first, last, class_label, include_all, pdf_path) -> None:
    """Print the paper statements of a week (or any dates) into one PDF, one page per student."""
    from school.statements import commands, pdf, service

    if week_ and (first or last):
        raise click.UsageError("give either --week or --from/--to")
    if bool(first) != bool(last):
        raise click.UsageError("give both --from and --to")
    try:
        count, span = commands.write_statements(week_, first, last, class_label, include_all, pdf_path)
    except service.SpanError as e:
        raise click.UsageError(str(e)) from None
    except LookupError:
        raise click.BadParameter(f"no class {class_label} this year", param_hint="--class") from None
    except pdf.PdfUnavailable as e:
        raise click.ClickException(f"PDF files cannot be made here (WeasyPrint or Pango is missing): {e}") from None
    if not count:
        who = "students" if include_all else "paper-delivery students"
        click.echo(f"nothing to print: no {who} for {span.first.isoformat()} – {span.last.isoformat()}; "
                   f"{pdf_path} was not written")
        return
    click.echo(f"wrote {count} statements to {pdf_path}")


def init_app(app) -> None:
    app.cli.add_command(school_cli)
