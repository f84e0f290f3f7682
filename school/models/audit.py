"""Append-only audit log of user actions (logins included)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from school.models.base import Base, max_length


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (max_length("action", 50), max_length("object", 100), max_length("address", 64),
                      max_length("details", 2000))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(50))
    object: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str | None] = mapped_column(Text)
