from school.reports.routes import bp  # noqa: F401
