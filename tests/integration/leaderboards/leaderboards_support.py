"""A committed meet for the leaderboard tests: a road 10K run today with a club team, and a
100 m heat with a start list and no results yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import (
    Competition,
    CompetitionStatus,
    Entry,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
    Round,
    RoundKind,
)
from athsys.jobs import take_pending
from athsys.results import service as results_service
from athsys.results.models import Result
from athsys.sport.disciplines import discipline
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex


@dataclass
class Meet:
    competition_id: int
    road_event_id: int
    road_heat_id: int
    sprint_event_id: int
    sprint_heat_id: int
    road_entries: list[int]
    sprint_entries: list[int]


def build_meet(engine: Engine, runners: int = 6) -> Meet:
    today = datetime.now(UTC).date()
    with Session(engine) as session, session.begin():
        clubs = [Club(name="Harriers", code="HAR"), Club(name="Striders", code="STR")]
        competition = Competition(name="City 10K", venue="Riverside", start_date=today,
                                  end_date=today, status=CompetitionStatus.LIVE)
        road = Event(competition=competition, discipline_code="10K", name="10 km road",
                     sex=Sex.MALE, kind=discipline("10K").kind)
        sprint = Event(competition=competition, discipline_code="100m", name="100 m",
                       sex=Sex.MALE, kind=discipline("100m").kind)
        start = datetime.now(UTC).replace(microsecond=0)
        road_heat = Heat(round=Round(event=road, kind=RoundKind.FINAL), number=1,
                         scheduled_start=start, gun_time=start, status=HeatStatus.STARTED)
        sprint_heat = Heat(round=Round(event=sprint, kind=RoundKind.FINAL), number=1,
                           scheduled_start=start + timedelta(hours=1))
        session.add_all([*clubs, competition, road, sprint, road_heat, sprint_heat])
        session.flush()
        road_entries, sprint_entries = [], []
        for i in range(runners):
            athlete = Athlete(first_name=f"Runner{i}", last_name=f"Road{i}", sex=Sex.MALE,
                              club=clubs[i % 2], birth_date=date(today.year - 25 - 7 * i, 1, 1))
            entry = Entry(event=road, competition_id=competition.id, athlete=athlete,
                          bib=str(101 + i))
            session.add(entry)
            session.flush()
            session.add(LaneAssignment(heat=road_heat, entry=entry, position=i + 1))
            road_entries.append(entry.id)
        for lane in range(1, 5):
            athlete = Athlete(first_name=f"Sprinter{lane}", last_name=f"Fast{lane}",
                              sex=Sex.MALE, club=clubs[0])
            entry = Entry(event=sprint, competition_id=competition.id, athlete=athlete,
                          bib=str(200 + lane), seed_mark=10_100 + lane * 10)
            session.add(entry)
            session.flush()
            session.add(LaneAssignment(heat=sprint_heat, entry=entry, lane=lane + 2,
                                       position=lane))
            sprint_entries.append(entry.id)
        meet = Meet(competition.id, road.id, road_heat.id, sprint.id, sprint_heat.id,
                    road_entries, sprint_entries)
        # no refresh jobs for the new start lists: a worker left running by another test
        # would build the boards before the test's own first refresh
        session.flush()
        take_pending(session)
    return meet


def store_result(engine: Engine, heat_id: int, entry_id: int, mark: int | None,
                 status: ResultStatus = ResultStatus.OK, *, refresh_job: bool = False) -> None:
    """Record or correct a result through the results service, and commit.

    Without ``refresh_job`` the test refreshes boards itself, and no job is sent for a
    worker that another test left running to build the board first.
    """
    with Session(engine) as session, session.begin():
        current = session.scalars(select(Result).where(
            Result.heat_id == heat_id, Result.entry_id == entry_id)).one_or_none()
        if current is None:
            results_service.record_result(session, SYSTEM, Result(
                heat_id=heat_id, entry_id=entry_id, mark=mark, status=status))
        else:
            from athsys.audit.service import snapshot

            before = snapshot(current)
            current.mark, current.status = mark, status
            results_service.correct_result(session, SYSTEM, current, before, reason="test")
        if not refresh_job:
            session.flush()
            take_pending(session)
