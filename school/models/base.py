"""Declarative base with a constraint naming convention (Alembic needs stable names)."""
from sqlalchemy import CheckConstraint, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LANGUAGES = ("ru", "uk", "crh")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def max_length(column: str, length: int) -> CheckConstraint:
    """SQLite ignores String(n); this CHECK holds the length on every database."""
    return CheckConstraint(f"length({column}) <= {length}", name=f"{column}_len")


def one_of(column: str, values, name: str | None = None) -> CheckConstraint:
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_set")
