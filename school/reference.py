"""Reference data every school has: the grading scales and the usual kinds of work.

The initial migration inserts these rows; tests that build the schema with create_all() call install().
"""
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

SPECIAL_CODES = ("осв", "н/а", "зач", "незач", "безотм")
PASS_FAIL_CODES = ("зач", "незач")


def scale_rows() -> list[dict]:
    rows = []
    for scale, top in (("five", 5), ("twelve", 12)):
        for n in range(1, top + 1):
            rows.append(dict(scale=scale, code=str(n), value=Decimal(n), counts_in_average=True,
                             for_lesson=True, for_period=True, pass_fail=False, position=n))
        for i, code in enumerate(SPECIAL_CODES, start=top + 1):
            rows.append(dict(scale=scale, code=code, value=None, counts_in_average=False,
                             for_lesson=code in PASS_FAIL_CODES, for_period=True,
                             pass_fail=code in PASS_FAIL_CODES, position=i))
    return rows


WORK_KINDS = [
    # code, ru, uk, crh, weight, is_test, days to mark
    ("answer", "Ответ на уроке", "Відповідь на уроці", "Дерсте джевап", "1", False, 2),
    ("homework", "Домашняя работа", "Домашня робота", "Эв иши", "1", False, 2),
    ("independent", "Самостоятельная работа", "Самостійна робота", "Мустакъиль иш", "1.5", False, 3),
    ("practical", "Практическая работа", "Практична робота", "Амелий иш", "1.5", False, 3),
    ("lab", "Лабораторная работа", "Лабораторна робота", "Лаборатория иши", "1.5", False, 3),
    ("test", "Контрольная работа", "Контрольна робота", "Контроль иши", "2", True, 3),
    ("dictation", "Диктант", "Диктант", "Диктант", "2", True, 7),
    ("essay", "Сочинение", "Твір", "Инша", "2", True, 7),
]


def work_kind_rows() -> list[dict]:
    return [dict(code=c, name_ru=ru, name_uk=uk, name_crh=crh, weight=Decimal(w), is_test=t, mark_deadline_days=d)
            for c, ru, uk, crh, w, t, d in WORK_KINDS]


def install(conn: Connection) -> None:
    """Insert the reference rows that are missing (idempotent)."""
    from school.models import ScaleValue, WorkKind

    if conn.execute(select(ScaleValue.id).limit(1)).first() is None:
        conn.execute(insert(ScaleValue.__table__), scale_rows())
    if conn.execute(select(WorkKind.id).limit(1)).first() is None:
        conn.execute(insert(WorkKind.__table__), work_kind_rows())
