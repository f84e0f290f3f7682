"""The register's domain core: every rule of the legal document lives here, once.

    errors      the refusals (422, 409 conflict, 404) and their messages
    scales      grading scales and kinds of work (reference data, cached per process)
    calendar    weeks, periods of a class, marked days (grade 1, grade 2 before marks start)
    rules       the edit window and the days the administrator opened
    roster      who is in a class or subgroup, and on which days
    lessons     lessons from the timetable (a saved action), the lesson header, substitutes
    marks       a cell's marks and attendance: the one save, with compare-and-set versions
    attendance  the class teacher's reasons, kinds of absence, tallies
    finals      period, year, exam and final marks
    grid        the teacher's grid read model and a row's figures
    unlocks     days opened past the edit window

Blueprints (journal, diary, statements, admin, reports) import this package; it imports none of them.
Every write function takes the acting user and checks, itself, that the user may write.
"""
