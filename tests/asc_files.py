"""aSc Timetables 2012 XML exports of any size for the bench and the tests, written as aSc writes them: GUID-like
ids, "any day" / "any week" definitions, every class with its whole-class group and two division groups, and
lessons of four shapes: English in two groups with a teacher each, physical education of two classes together,
a block of two periods (one card per period), and lessons in weeks A and B; two cards per lesson."""
from __future__ import annotations

import random
from xml.sax.saxutils import quoteattr

LETTERS = "АБВГ"
SURNAMES = ["Абдураимова", "Шевченко", "Мамутов", "Коваль", "Д'Анжело", "Иванова", "Сейтаблаев", "Петренко",
            "Умеров", "Бондаренко", "Къуртсеитова", "Мельник", "Аблязов", "Ткаченко", "Османова"]
NAMES = ["Эльмира", "Олена", "Эрвин", "Ольга", "Лилия", "Анна", "Рустем", "Тарас", "Сейран", "Зарема"]
SUBJECTS = ["Математика", "Русский язык", "Украинская литература", "Английский язык", "Физическая культура",
            "Информатика", "Крымскотатарский язык", "История", "География", "Биология", "Физика", "Химия",
            "Технология", "Музыка", "Изобразительное искусство", "Литературное чтение", "Окружающий мир",
            "Алгебра", "Геометрия", "Основы здоровья"]


def export(classes: int = 36, lessons: int = 550, teachers: int = 60, seed: int = 2012) -> bytes:
    """A timetable of `classes` classes, `lessons` lessons and two cards per lesson."""
    rnd = random.Random(seed)

    def gid() -> str:
        return "".join(rnd.choice("0123456789ABCDEF") for _ in range(16))
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<timetable ascttversion="2021.6.2" importtype="database" options="groupstype1,decimalseparatordot" '
           'defaultexport="1" displayname="aSc Timetables 2012 XML" displaycountries="">',
           '<periods options="canadd,export:silent" columns="period,name,short,starttime,endtime">']
    out += [f'<period name="{p}" short="{p}" period="{p}" starttime="{7 + p}:00" endtime="{7 + p}:45"/>'
            for p in range(1, 8)]
    any_day, any_week, week_a, week_b = gid(), gid(), gid(), gid()
    out += ["</periods>", '<daysdefs options="canadd,export:silent" columns="id,days,name,short">',
            f'<daysdef id="{any_day}" name="Любой день" short="X" days="10000,01000,00100,00010,00001"/>',
            "</daysdefs>", '<weeksdefs options="canadd,export:silent" columns="id,weeks,name,short">',
            f'<weeksdef id="{any_week}" name="Любая неделя" short="Любая" weeks="10,01"/>',
            f'<weeksdef id="{week_a}" name="Неделя A" short="A" weeks="10"/>',
            f'<weeksdef id="{week_b}" name="Неделя B" short="B" weeks="01"/>', "</weeksdefs>",
            '<subjects options="canadd,export:silent" columns="id,name,short,partner_id">']
    subject_ids = [gid() for _ in SUBJECTS]
    out += [f'<subject id="{i}" name={quoteattr(n)} short={quoteattr(n[:6] + ".")} partner_id=""/>'
            for i, n in zip(subject_ids, SUBJECTS)]
    out += ["</subjects>", '<teachers options="canadd,export:silent" '
            'columns="id,name,short,gender,color,email,mobile,partner_id,firstname,lastname">']
    teacher_ids = [gid() for _ in range(teachers)]
    for n, t in enumerate(teacher_ids):
        surname = f"{SURNAMES[n % len(SURNAMES)]}{'' if n < len(SURNAMES) else n // len(SURNAMES) + 1}"
        name = NAMES[n % len(NAMES)]
        out.append(f'<teacher id="{t}" firstname={quoteattr(name)} lastname={quoteattr(surname)} '
                   f'name={quoteattr(surname + " " + name)} short={quoteattr(surname[:3] + name[0])} gender="F" '
                   f'color="#31C96A" email="" mobile="" partner_id=""/>')
    room_ids = [gid() for _ in range(40)]
    out += ["</teachers>", '<classrooms options="canadd,export:silent" columns="id,name,short">']
    out += [f'<classroom id="{r}" name="Кабинет {n + 1}" short="{n + 1}"/>' for n, r in enumerate(room_ids)]
    out += ["</classrooms>", '<classes options="canadd,export:silent" '
            'columns="id,name,short,classroomids,teacherid,grade,partner_id">']
    class_ids, groups = [gid() for _ in range(classes)], {}
    for n, c in enumerate(class_ids):
        grade, letter = n % 11 + 1, LETTERS[n // 11 % len(LETTERS)]
        name = rnd.choice([f"{grade}-{letter}", f"{grade}{letter}", f"{grade} {letter}"])
        out.append(f'<class id="{c}" name="{name}" short="{grade}{letter}" teacherid="" classroomids="" '
                   f'grade="{grade}" partner_id=""/>')
        groups[c] = (gid(), gid(), gid())
    out += ["</classes>", '<groups options="canadd,export:silent" '
            'columns="id,classid,name,entireclass,divisiontag,studentcount,studentids">']
    for c, (whole, g1, g2) in groups.items():
        out += [f'<group id="{whole}" name="Весь класс" classid="{c}" studentids="" entireclass="1" divisiontag="0" '
                f'studentcount=""/>',
                f'<group id="{g1}" name="1 группа" classid="{c}" studentids="" entireclass="0" divisiontag="1" '
                f'studentcount=""/>',
                f'<group id="{g2}" name="2 группа" classid="{c}" studentids="" entireclass="0" divisiontag="1" '
                f'studentcount=""/>']
    out += ["</groups>", '<lessons options="canadd,export:silent" columns="id,classids,groupids,subjectid,'
            'periodspercard,periodsperweek,teacherids,classroomids,weeksdefid,daysdefid,termsdefid">']
    free = {c: [(d, p) for d in range(1, 6) for p in range(1, 8)] for c in class_ids}
    for c in free:
        rnd.shuffle(free[c])
    cards = []

    def take(c, fits=lambda place: True):
        for place in free[c]:
            if fits(place):
                free[c].remove(place)
                return place
        return None

    def mask(day: int) -> str:
        return "".join("1" if d == day else "0" for d in range(1, 6))
    for i in range(lessons):
        lesson, c = gid(), class_ids[i % classes]
        subject = subject_ids[(i // classes) % len(subject_ids)]
        teacher, other = teacher_ids[(i * 7) % teachers], teacher_ids[(i * 7 + 1) % teachers]
        room, room2 = room_ids[i % 40], room_ids[(i + 1) % 40]
        whole, g1, g2 = groups[c]
        shape = i % 10
        classes_, groups_, teachers_, per_card, per_week, weeksdef = c, whole, teacher, 1, "2.0", any_week
        places = []
        if shape == 0:
            groups_, teachers_ = f"{g1},{g2}", f"{teacher},{other}"
            places = [(take(c), "11", f"{room},{room2}"), (take(c), "11", f"{room},{room2}")]
        elif shape == 1 and i % classes + 1 < classes:
            c2 = class_ids[i % classes + 1]
            classes_, groups_ = f"{c},{c2}", f"{whole},{groups[c2][0]}"
            for _ in range(2):
                place = take(c, lambda p: p in free[c2])
                if place is None:
                    break
                free[c2].remove(place)
                places.append((place, "11", room))
            if len(places) < 2:     # no common free place: an ordinary lesson of the first class
                classes_, groups_ = c, whole
                places += [(take(c), "11", room) for _ in range(2 - len(places))]
        elif shape == 2:
            per_card = 2
            first = take(c, lambda p: p[1] < 7 and (p[0], p[1] + 1) in free[c])
            if first:
                free[c].remove((first[0], first[1] + 1))
                places = [(first, "11", room), ((first[0], first[1] + 1), "11", room)]
            else:
                places = [(take(c), "11", room), (take(c), "11", room)]
        elif shape == 3:
            per_week, weeksdef = "1.0", any_week
            place = take(c)
            places = [(place, "10", room), (place, "01", room2)]
        else:
            places = [(take(c), "11", room), (take(c), "11", room)]
        out.append(f'<lesson id="{lesson}" classids="{classes_}" groupids="{groups_}" subjectid="{subject}" '
                   f'periodspercard="{per_card}" periodsperweek="{per_week}" teacherids="{teachers_}" '
                   f'classroomids="{room}" weeksdefid="{weeksdef}" daysdefid="{any_day}" termsdefid=""/>')
        for place, weeks, rooms in places:
            day, period = place if place else (0, 0)     # a class with no free place left: an unplaced card
            cards.append(f'<card lessonid="{lesson}" classroomids="{rooms}" period="{period or ""}" '
                         f'weeks="{weeks}" terms="1" days="{mask(day) if day else ""}"/>')
    out += ["</lessons>", '<cards options="canadd,export:silent" columns="lessonid,period,days,weeks,terms,'
            'classroomids">', *cards, "</cards>", "</timetable>"]
    return "\n".join(out).encode()
