"""All models, importable from one place."""
from school.models.audit import AuditEvent
from school.models.backups import BackupRun
from school.models.base import LANGUAGES, Base
from school.models.families import DiaryView, PaperStatement
from school.models.notices import (NOTICE_KINDS, OUTBOX_STATES, Message, MessageRead, MessageThread, NoticeMark,
                                   NoticePreference, OutboxMessage)
from school.models.ops import JOB_KINDS, JOB_STATES, Job, WorkerHeartbeat
from school.models.imports import IMPORT_KINDS, ImportRun, PendingStaffRole
from school.models.organisation import (AcademicYear, BellTime, Course, Enrolment, Holiday, Period, School,
                                        SchoolClass, Subgroup, SubgroupMember, Subject)
from school.models.people import (STAFF_ROLES, Guardianship, LoginFailure, LoginThrottle, Person, StaffRole, Student,
                                  User)
from school.models.register import (Attendance, EditUnlock, Lesson, LessonChange, Mark, MarkChange, PeriodMark,
                                    PeriodMarkChange, PlanItem, ScaleValue, TimetableSlot, WorkKind)

__all__ = [
    "AuditEvent", "BackupRun", "Base", "IMPORT_KINDS", "ImportRun", "PendingStaffRole", "LANGUAGES", "DiaryView",
    "PaperStatement", "AcademicYear", "BellTime", "Course",
    "Enrolment", "Holiday", "Period", "School", "SchoolClass", "Subgroup", "SubgroupMember", "Subject",
    "STAFF_ROLES", "Guardianship", "LoginFailure", "LoginThrottle", "Person", "StaffRole", "Student", "User",
    "Attendance", "EditUnlock", "Lesson", "LessonChange", "Mark", "MarkChange", "PeriodMark", "PeriodMarkChange",
    "PlanItem", "ScaleValue", "TimetableSlot",
    "WorkKind", "NOTICE_KINDS", "OUTBOX_STATES", "NoticeMark", "NoticePreference", "OutboxMessage",
    "Message", "MessageRead", "MessageThread", "JOB_KINDS", "JOB_STATES", "Job", "WorkerHeartbeat",
]
