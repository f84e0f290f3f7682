"""Scales, weighted averages and the suggested period mark — pure functions, one place for every screen.

The teacher's suggestion in the grid, the diary's forecast and the printed statement all call these.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Iterable


@dataclass(frozen=True)
class ScaleEntry:
    code: str
    value: Decimal | None
    counts_in_average: bool
    for_lesson: bool
    for_period: bool
    pass_fail: bool


def weighted_average(marks: Iterable[tuple[Decimal | None, Decimal]]) -> Decimal | None:
    """Σ value·weight / Σ weight over marks that have a numeric value; None when there is none."""
    total = Decimal(0)
    weights = Decimal(0)
    for value, weight in marks:
        if value is None:
            continue
        total += Decimal(value) * Decimal(weight)
        weights += Decimal(weight)
    if not weights:
        return None
    return (total / weights).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def suggest(average: Decimal | None, round_up_from: Decimal, lowest: int, highest: int) -> str | None:
    """The suggested period mark: the average rounded up when its fraction reaches the school's threshold."""
    if average is None:
        return None
    whole = average.to_integral_value(rounding=ROUND_FLOOR)
    if average - whole >= Decimal(round_up_from):
        whole += 1
    return str(int(min(max(whole, lowest), highest)))


def scale_bounds(entries: Iterable[ScaleEntry]) -> tuple[int, int]:
    values = [int(e.value) for e in entries if e.value is not None]
    return min(values), max(values)
