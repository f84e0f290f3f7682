"""Versions of register rows, for compare-and-set writes.

Every write of a mark, an attendance row, a period mark or a lesson header carries the version its author
saw; the UPDATE or DELETE itself says `WHERE version = :seen`, so of two tablets that saw the same version
exactly one changes the row. A row created anew starts from the clock in microseconds rather than from 1:
a mark deleted and given again never repeats a version a tablet may still hold (the ABA case)."""
from __future__ import annotations

import time


MAX = 2 ** 62  # a bigint column holds it on every database; anything larger a client sends is refused


def fresh() -> int:
    return time.time_ns() // 1000
