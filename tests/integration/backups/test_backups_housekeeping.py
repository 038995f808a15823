from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from athsys.backups.housekeeping import prune_timing_reads
from athsys.competitions.models import Competition, CompetitionStatus
from athsys.timing.models import DeviceKind, TimingDevice, TimingRead

pytestmark = pytest.mark.integration


def _meet_with_reads(session: Session, name: str, status: CompetitionStatus, end: date,
                     reads: int) -> int:
    meet = Competition(name=name, venue="Roads", start_date=end, end_date=end, status=status)
    session.add(meet)
    session.flush()
    device = TimingDevice(competition_id=meet.id, name=f"mat {name}", kind=DeviceKind.CHIP_DECODER,
                          token_hash=f"{meet.id:064d}", token_prefix="tok")
    session.add(device)
    session.flush()
    for n in range(reads):
        session.add(TimingRead(device_id=device.id, read_id=f"{name}-{n}", chip=f"C{n}",
                               read_at=datetime(end.year, end.month, end.day, 9, tzinfo=UTC)))
    session.flush()
    return device.id


def test_raw_reads_go_only_after_the_meet_is_official_and_retention_passed(db_session) -> None:
    old_official = _meet_with_reads(db_session, "Old Marathon", CompetitionStatus.OFFICIAL,
                                    date(2026, 1, 10), 25)
    old_unofficial = _meet_with_reads(db_session, "Old 10K", CompetitionStatus.FINISHED,
                                      date(2026, 1, 10), 3)
    recent_official = _meet_with_reads(db_session, "Recent Race", CompetitionStatus.OFFICIAL,
                                       date(2026, 6, 20), 4)

    deleted = prune_timing_reads(db_session, 90, today=date(2026, 7, 1), batch=10)

    assert deleted == 25
    counts = dict(db_session.execute(
        select(TimingRead.device_id, func.count()).group_by(TimingRead.device_id)
    ).all())
    assert counts == {old_unofficial: 3, recent_official: 4}
    assert old_official not in counts
