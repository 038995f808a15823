"""A chip-timed relay: every runner's chip is worn for the team entry, a mat at each
handover gives the team's split there, the anchor's finish read its result, and the team's
tracking page shows each leg's runner and time. (The handovers need mats of their own: a
runner handing over on the finish line would read as the team's finish.)"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import Competition, Event, Heat, LaneAssignment, Round, RoundKind
from athsys.competitions.relays import LegDeclaration, create_relay_team, declare_legs
from athsys.jobs import discard_pending
from athsys.leaderboards.athletes import tracking
from athsys.sport.disciplines import discipline
from athsys.sport.sex import Sex
from athsys.timing import devices
from athsys.timing import service as timing_service
from athsys.timing.models import ChipAssignment, DeviceKind, MatRole, TimingDevice, TimingPoint
from tests.integration.timing.timing_ingest_support import (
    GUN,
    RACE_DAY,
    dumps,
    passing,
    process_pending,
    result_of,
)

pytestmark = pytest.mark.integration

#: the mixed cross-country relay's handovers (4 x 2 km): 2, 4 and 6 km, the finish at 8 km
HANDOVERS = {"handover 1": 2000, "handover 2": 4000, "handover 3": 6000}


@pytest.fixture()
def relay(committed_db: Engine) -> dict[str, int]:
    with Session(committed_db) as session, session.begin():
        club = Club(name="Harriers AC", code="HAR", country="GBR")
        competition = Competition(name="Relay Cross", venue="Park", start_date=RACE_DAY,
                                  end_date=RACE_DAY, time_zone="Europe/Paris")
        event = Event(competition=competition, discipline_code="XCRMix",
                      name="Mixed cross-country relay", sex=Sex.MALE,
                      kind=discipline("XCRMix").kind)
        heat = Heat(round=Round(event=event, kind=RoundKind.FINAL, ordinal=1), number=1,
                    scheduled_start=GUN, gun_time=GUN)
        runners = [Athlete(first_name=first, last_name="Harrier", sex=sex, club=club)
                   for first, sex in (("Ann", Sex.FEMALE), ("Bob", Sex.MALE),
                                      ("Cat", Sex.FEMALE), ("Dan", Sex.MALE))]
        session.add_all([club, competition, event, heat, *runners])
        points = {name: TimingPoint(competition=competition, name=name, distance_m=metres)
                  for name, metres in HANDOVERS.items()}
        points["finish"] = TimingPoint(competition=competition, name="finish",
                                       distance_m=8000, is_finish=True)
        session.add_all(points.values())
        session.flush()
        team = create_relay_team(session, SYSTEM, event, club, bib="R7")
        declare_legs(session, SYSTEM, team, [LegDeclaration(a.id, n)
                                             for n, a in enumerate(runners, start=1)])
        session.add(LaneAssignment(heat_id=heat.id, entry_id=team.id, lane=None, position=1))
        # each runner's own chip, worn for the team
        session.add_all(ChipAssignment(competition_id=competition.id, chip=f"HAR-{n}",
                                       entry_id=team.id,
                                       valid_from=datetime(2025, 10, 1, tzinfo=UTC))
                        for n in range(1, 5))
        ids = {"team": team.id, "heat": heat.id, "competition": competition.id}
        for name, point in points.items():
            issued = devices.create_device(session, SYSTEM, competition_id=competition.id,
                                           name=name, kind=DeviceKind.CHIP_DECODER,
                                           timing_point_id=point.id, mat_role=MatRole.PRIMARY)
            ids[name] = issued.device.id
        return ids


def _send(engine: Engine, device_id: int, items: list[dict]) -> None:
    with Session(engine) as session, session.begin():
        device = session.get(TimingDevice, device_id)
        assert device is not None
        timing_service.receive_passings(session, device, dumps(items), max_lines=100)
        discard_pending(session)


def test_each_handover_gives_the_leg_of_its_runner(relay: dict[str, int],
                                                   committed_db: Engine) -> None:
    # Ann hands over at 6:05.2, Bob at 12:01.0, Cat at 18:30.4; Dan finishes at 24:10.9
    _send(committed_db, relay["handover 1"], [passing("H1", "HAR-1", 365.2)])
    _send(committed_db, relay["handover 2"], [passing("H2", "HAR-2", 721.0)])
    _send(committed_db, relay["handover 3"], [passing("H3", "HAR-3", 1110.4)])
    _send(committed_db, relay["finish"], [passing("F1", "HAR-4", 1450.9)])
    process_pending(committed_db)
    result = result_of(committed_db, relay["heat"], relay["team"])
    assert result is not None and result.mark == 1_450_900
    with Session(committed_db) as session:
        page = tracking(session, relay["competition"], relay["team"])
    assert page["name"] == "Harriers AC A" and page["club"] == "HAR"
    assert [(leg["leg"], leg["name"], leg["distance_m"], leg["time"]) for leg in page["legs"]] == [
        (1, "Ann Harrier", 2000, "6:06"), (2, "Bob Harrier", 2000, "5:56"),
        (3, "Cat Harrier", 2000, "6:30"), (4, "Dan Harrier", 2000, "5:41")]
    with Session(committed_db) as session:
        assert session.scalar(select(ChipAssignment.entry_id).where(
            ChipAssignment.chip == "HAR-3")) == relay["team"]
