"""What the schema of processing guarantees: a read is processed when its batch is, and a
split belongs to the entry's place in the heat's start list (it goes with it)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from athsys.competitions.models import LaneAssignment
from athsys.timing.models import TimingRead, TimingSplit
from tests.integration.timing.timing_ingest_support import (
    Race,
    passing,
    process_pending,
    store_waiting,
)

pytestmark = pytest.mark.integration


def _splits(engine: Engine) -> dict[int, set[int]]:
    with Session(engine) as session:
        found: dict[int, set[int]] = {}
        for split in session.scalars(select(TimingSplit)):
            found.setdefault(split.entry_id, set()).add(split.timing_point_id)
        return found


def test_reads_are_processed_with_their_batch(race: Race, committed_db: Engine) -> None:
    batch_id = store_waiting(committed_db, race, "finish", [passing("F1", "C101", 3000.0),
                                                       passing("F2", "C999", 3001.0)])
    with Session(committed_db) as session:
        reads = session.scalars(select(TimingRead).where(TimingRead.batch_id == batch_id)).all()
        assert [read.batch.processed_at for read in reads] == [None, None]
    process_pending(committed_db)
    with Session(committed_db) as session:
        reads = session.scalars(select(TimingRead).where(TimingRead.batch_id == batch_id)).all()
        assert len(reads) == 2
        assert all(read.batch.processed_at is not None for read in reads)
    assert not hasattr(TimingRead, "processed_at")


def test_a_split_goes_with_the_entry_s_place_in_the_heat(race: Race, committed_db: Engine) -> None:
    entry_a, entry_b = race.entries[0], race.entries[1]
    store_waiting(committed_db, race, "start",
                  [passing("S1", "C101", 2.0), passing("S2", "C102", 3.0)])
    store_waiting(committed_db, race, "finish",
                  [passing("F1", "C101", 3000.0), passing("F2", "C102", 3100.0)])
    process_pending(committed_db)
    both = {race.points["start"], race.points["finish"]}
    assert _splits(committed_db) == {entry_a: both, entry_b: both}

    with Session(committed_db) as session, session.begin():
        session.execute(delete(LaneAssignment).where(
            LaneAssignment.heat_id == race.road_heat_id, LaneAssignment.entry_id == entry_a))
    assert _splits(committed_db) == {entry_b: both}


def test_no_split_for_an_entry_outside_the_heat(race: Race, committed_db: Engine) -> None:
    with Session(committed_db) as session, session.begin():
        session.add(TimingSplit(heat_id=race.road_heat_id, entry_id=race.sprint_entries[0],
                                timing_point_id=race.points["finish"], gun_time_ms=1))
        with pytest.raises(IntegrityError, match="fk_timing_split_heat_id_lane_assignment"):
            session.flush()
