from school.timetable.routes import bp  # noqa: F401
