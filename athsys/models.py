"""Every mapped table of the domain, imported in one place for Alembic and the admin.

Each domain package owns its ``models.py``; this module only gathers them so that
``metadata`` knows every table.
"""

from athsys.accounts.models import UserProfile
from athsys.athletes.models import Athlete, Club
from athsys.audit.models import AuditLog
from athsys.backups.models import Backup, BackupStatus
from athsys.competitions.models import (
    Competition,
    CompetitionStatus,
    Entry,
    EntryStatus,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
    RelayLeg,
    RelayRunLeg,
    Round,
    RoundKind,
)
from athsys.db import Base
from athsys.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationStatus,
    Subscription,
)
from athsys.records.models import Record, RecordScope
from athsys.results.models import Attempt, AttemptOutcome, Result, ResultRevision, ResultSource
from athsys.sport.sex import Sex
from athsys.timing.models import (
    BatchStatus,
    ChipAssignment,
    DeviceKind,
    LifImport,
    MatRole,
    ReadBatch,
    ReadFlag,
    TimingDevice,
    TimingPoint,
    TimingRead,
    TimingSplit,
)

metadata = Base.metadata

__all__ = [
    "Athlete", "Attempt", "AttemptOutcome", "AuditLog", "Backup", "BackupStatus", "BatchStatus",
    "Channel", "ChipAssignment", "Club", "Competition", "CompetitionStatus", "DeviceKind",
    "Entry", "EntryStatus", "Event", "Heat", "HeatStatus", "LaneAssignment", "LifImport",
    "MatRole", "Notification", "NotificationKind", "NotificationStatus", "ReadBatch", "ReadFlag",
    "Record", "RecordScope", "RelayLeg", "RelayRunLeg", "Result", "ResultRevision",
    "ResultSource", "Round", "RoundKind", "Sex", "Subscription", "TimingDevice", "TimingPoint",
    "TimingRead", "TimingSplit", "UserProfile", "metadata",
]
