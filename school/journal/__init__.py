"""The teacher's journal: the grid, cell saves, the lesson header, period and year marks, the class's week."""
from school.journal.routes import bp

__all__ = ["bp"]
