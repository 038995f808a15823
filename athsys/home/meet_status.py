"""The meet director's dashboard: how far the day has got and whether anything needs a hand.

The figures are read from the database (heats by status, results per minute, the ingestion
backlog, unknown chips, the last backup) and the broker (queue depth, measured by the
caller); :func:`warnings` turns them into the sentences a director acts on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from athsys.backups.models import Backup, BackupStatus
from athsys.competitions.models import Event, Heat, HeatStatus, Round
from athsys.results.models import Result
from athsys.timing.models import BatchStatus, ReadBatch, ReadFlag, TimingDevice, TimingRead

#: Results per minute are counted over this window.
RATE_WINDOW: Final = timedelta(minutes=5)
#: Unknown chips are counted among the reads received in this window.
UNKNOWN_CHIP_WINDOW: Final = timedelta(hours=12)
LAG_WARNING_S: Final = 30.0
QUEUE_WARNING: Final = 500
BACKUP_WARNING: Final = timedelta(hours=26)


@dataclass(frozen=True)
class MeetStatus:
    heats: dict[str, int]
    results_per_minute: float
    ingestion_lag_s: float
    unprocessed_batches: int
    failed_batches: int
    unknown_chips: int
    queue_depth: dict[str, int] | None  # None: the broker did not answer
    last_backup_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["last_backup_at"] = self.last_backup_at.isoformat() if self.last_backup_at else None
        return out


def meet_status(session: Session, competition_ids: Sequence[int], now: datetime,
                queue_depth: Mapping[str, int] | None) -> MeetStatus:
    """The figures of the dashboard for the competitions running today."""
    heats = dict.fromkeys((status.value for status in HeatStatus), 0)
    rows = session.execute(
        select(Heat.status, func.count()).join(Round, Round.id == Heat.round_id)
        .join(Event, Event.id == Round.event_id)
        .where(Event.competition_id.in_(competition_ids)).group_by(Heat.status))
    for status, count in rows:
        heats[status.value] = count
    recent = session.scalar(
        select(func.count()).select_from(Result).join(Heat, Heat.id == Result.heat_id)
        .join(Round, Round.id == Heat.round_id).join(Event, Event.id == Round.event_id)
        .where(Event.competition_id.in_(competition_ids),
               Result.updated_at >= now - RATE_WINDOW)) or 0
    devices = select(TimingDevice.id).where(TimingDevice.competition_id.in_(competition_ids))
    oldest, unprocessed = session.execute(
        select(func.min(ReadBatch.received_at), func.count()).where(
            ReadBatch.device_id.in_(devices),
            ReadBatch.status.in_([BatchStatus.PENDING, BatchStatus.PROCESSING]))).one()
    failed = session.scalar(select(func.count()).select_from(ReadBatch).where(
        ReadBatch.device_id.in_(devices), ReadBatch.status == BatchStatus.FAILED)) or 0
    unknown = session.scalar(select(func.count(func.distinct(TimingRead.chip))).where(
        TimingRead.device_id.in_(devices), TimingRead.flag == ReadFlag.UNKNOWN_CHIP,
        TimingRead.received_at >= now - UNKNOWN_CHIP_WINDOW)) or 0
    last_backup = session.scalar(select(func.max(Backup.finished_at)).where(
        Backup.status == BackupStatus.SUCCEEDED))
    return MeetStatus(
        heats=heats,
        results_per_minute=round(recent / (RATE_WINDOW.total_seconds() / 60), 1),
        ingestion_lag_s=round(max((now - oldest).total_seconds(), 0.0), 1) if oldest else 0.0,
        unprocessed_batches=unprocessed,
        failed_batches=failed,
        unknown_chips=unknown,
        queue_depth=dict(queue_depth) if queue_depth is not None else None,
        last_backup_at=last_backup,
    )


def warnings(status: MeetStatus, now: datetime) -> list[str]:
    """What needs the director's attention, most urgent first."""
    found = []
    if status.queue_depth is None:
        found.append("The job queue does not answer: results are not being processed.")
    if status.ingestion_lag_s > LAG_WARNING_S:
        found.append(f"Timing reads wait {status.ingestion_lag_s:.0f} s to be processed "
                     f"({status.unprocessed_batches} batches): is a worker running?")
    if status.failed_batches:
        found.append(f"{status.failed_batches} timing batches failed: see Timing reads.")
    if status.queue_depth and sum(status.queue_depth.values()) > QUEUE_WARNING:
        found.append(f"{sum(status.queue_depth.values())} jobs are queued: the workers are "
                     "behind.")
    if status.unknown_chips:
        found.append(f"{status.unknown_chips} chips were read that no entry carries: assign "
                     "them in Chip assignments.")
    if status.last_backup_at is None:
        found.append("No backup has been made yet.")
    elif now - status.last_backup_at > BACKUP_WARNING:
        hours = (now - status.last_backup_at).total_seconds() / 3600
        found.append(f"The last backup is {hours:.0f} hours old: is beat running?")
    return found
