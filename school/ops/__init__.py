"""Operations: readiness and metrics, the administrator's jobs, the yearly archive and the integrity checks."""
from school.ops.routes import bp

__all__ = ["bp"]
