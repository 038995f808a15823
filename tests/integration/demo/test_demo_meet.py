from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from athsys.athletes.models import Athlete, Club
from athsys.audit.models import AuditLog
from athsys.competitions.models import (
    Competition,
    CompetitionStatus,
    Entry,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
    RelayLeg,
    Round,
    RoundKind,
)
from athsys.demo import DEMO_COMPETITION_NAME, load_demo_meet
from athsys.results.models import Result
from athsys.sport.ranking import ResultStatus
from athsys.timing.models import ChipAssignment, TimingPoint

pytestmark = pytest.mark.integration

# 23:30 UTC on 31 May is already 1 June in Brussels: "today" is the meet's own day.
LATE_EVENING_UTC = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)


def _rounds_of(session: Session, code: str, sex: str) -> list[Round]:
    event = session.scalars(
        select(Event).join(Competition).where(
            Competition.name == DEMO_COMPETITION_NAME, Event.discipline_code == code,
            Event.sex == sex,
        )
    ).one()
    return list(event.rounds)


def test_demo_meet_has_the_events_athletes_and_clubs_of_the_issue(db_session: Session) -> None:
    summary = load_demo_meet(db_session, now=LATE_EVENING_UTC)

    assert summary.created is True
    competition = db_session.get(Competition, summary.competition_id)
    assert competition is not None
    assert competition.status is CompetitionStatus.LIVE
    assert competition.start_date.isoformat() == "2026-06-01"
    assert competition.end_date == competition.start_date
    assert (summary.clubs, summary.athletes, summary.entries) == (6, 100, 100 + 5)
    codes = Counter(e.discipline_code for e in competition.events)
    assert codes == Counter({"100m": 2, "400m": 1, "LJ": 1, "HJ": 1, "10K": 2, "4x100m": 1})
    assert summary.events == 8
    entered = Entry.competition_id == competition.id
    sexes = Counter(a.sex.value for a in db_session.scalars(select(Athlete).join(Entry)
                                                            .where(entered)))
    assert sexes["M"] > 30 and sexes["F"] > 30
    ages = [competition.start_date.year - a.birth_date.year
            for a in db_session.scalars(select(Athlete).join(Entry).where(entered))]
    assert sum(age >= 35 for age in ages) >= 5, "some masters run the road race"
    names = db_session.execute(
        select(Athlete.first_name, Athlete.last_name).join(Entry).where(entered)
    ).all()
    assert len(set(names)) == 100
    assert len({last for _, last in names}) > 40


def test_demo_100m_men_has_seeded_heats_results_and_a_final(db_session: Session) -> None:
    summary = load_demo_meet(db_session)
    heats_round, final_round = _rounds_of(db_session, "100m", "M")

    assert (heats_round.kind, final_round.kind) == (RoundKind.HEAT, RoundKind.FINAL)
    assert [h.number for h in heats_round.heats] == [1, 2, 3]
    assert all(h.status is HeatStatus.OFFICIAL and h.gun_time and h.wind is not None
               for h in heats_round.heats)
    for heat in heats_round.heats:
        lanes = [a.lane for a in heat.lane_assignments]
        assert len(lanes) == 8 and sorted(lanes) == list(range(1, 9))
        # the four best seeds of a straight race draw lanes 3-6
        by_seed = sorted(heat.lane_assignments, key=lambda a: a.entry.seed_mark)
        assert {a.lane for a in by_seed[:4]} == {3, 4, 5, 6}
        results = db_session.scalars(select(Result).where(Result.heat_id == heat.id)).all()
        assert len(results) == 8
        finishers = sorted((r for r in results if r.status is ResultStatus.OK),
                           key=lambda r: r.mark)
        assert [r.place for r in finishers] == list(range(1, len(finishers) + 1))
        assert all(r.wind == heat.wind and 100 <= r.reaction_time < 200 for r in finishers)
    assert summary.results == 24
    heat_ids = [h.id for h in heats_round.heats]
    dns = db_session.scalars(
        select(Result).where(Result.heat_id.in_(heat_ids), Result.status == ResultStatus.DNS)
    ).all()
    assert len(dns) == 1 and dns[0].mark is None and dns[0].place is None

    (final,) = final_round.heats
    assert final.status is HeatStatus.SCHEDULED
    assert sorted(a.lane for a in final.lane_assignments) == list(range(1, 9))
    winners = {r.entry_id for r in db_session.scalars(
        select(Result).where(Result.heat_id.in_(heat_ids), Result.place == 1))}
    assert winners <= {a.entry_id for a in final.lane_assignments}


def test_demo_lanes_bibs_and_chips_are_unique(db_session: Session) -> None:
    summary = load_demo_meet(db_session)
    bibs = db_session.scalars(
        select(Entry.bib).where(Entry.competition_id == summary.competition_id)
    ).all()
    assert len(bibs) == len(set(bibs)) == 100 + 5  # athletes and relay teams
    in_meet = Event.competition_id == summary.competition_id
    per_heat = db_session.execute(
        select(LaneAssignment.heat_id, LaneAssignment.lane).join(Heat).join(Round).join(Event)
        .where(in_meet, LaneAssignment.lane.is_not(None))
    ).all()
    assert len(per_heat) == len(set(per_heat)) == 24 + 8 + 8 + 8 + 5
    chips = db_session.scalars(select(ChipAssignment.chip).where(
        ChipAssignment.competition_id == summary.competition_id)).all()
    assert len(chips) == len(set(chips)) == 38
    points = db_session.scalars(
        select(TimingPoint).where(TimingPoint.competition_id == summary.competition_id)
        .order_by(TimingPoint.distance_m)).all()
    assert [(p.name, p.distance_m) for p in points] == [("Start", 0), ("5K", 5000),
                                                          ("Finish", 10000)]
    assert points[0].is_start and points[-1].is_finish
    flights = db_session.scalars(
        select(Heat).join(Round).join(Event)
        .where(in_meet, Event.discipline_code.in_(["LJ", "HJ", "10K"]))
    ).all()
    assert len(flights) == 4
    assert all(a.lane is None for h in flights for a in h.lane_assignments)


def test_second_load_adds_nothing_and_reports_the_meet_existed(db_session: Session) -> None:
    first = load_demo_meet(db_session)
    tables = (Club, Athlete, Competition, Event, Round, Heat, Entry, LaneAssignment, Result,
              ChipAssignment, TimingPoint, AuditLog)

    def counts() -> list[int]:
        return [db_session.scalar(select(func.count()).select_from(t)) for t in tables]

    before = counts()
    second = load_demo_meet(db_session)

    assert counts() == before
    assert second.created is False
    assert second.competition_id == first.competition_id
    assert (second.athletes, second.entries, second.results) == (100, 105, 24)


def test_the_load_writes_one_audit_row(db_session: Session) -> None:
    summary = load_demo_meet(db_session, seed=7)
    rows = db_session.scalars(select(AuditLog).where(
        AuditLog.action == "demo.load", AuditLog.entity_id == str(summary.competition_id))).all()
    assert len(rows) == 1
    assert rows[0].actor_name == "system"
    assert rows[0].entity_id == str(summary.competition_id)
    assert rows[0].changes["athletes"] == 100 and rows[0].changes["seed"] == 7


def test_the_same_seed_gives_the_same_meet(db_session: Session) -> None:
    def draw() -> list[tuple[str, str, str, int | None]]:
        return db_session.execute(
            select(Entry.bib, Athlete.last_name, Athlete.first_name, LaneAssignment.lane)
            .join(Athlete).join(LaneAssignment, LaneAssignment.entry_id == Entry.id)
            .join(Competition, Competition.id == Entry.competition_id)
            .where(Competition.name == DEMO_COMPETITION_NAME)
            .order_by(Entry.bib, LaneAssignment.heat_id)
        ).all()

    load_demo_meet(db_session, seed=11)
    first = draw()
    db_session.execute(delete(Competition).where(Competition.name == DEMO_COMPETITION_NAME))
    summary = load_demo_meet(db_session, seed=11)

    assert summary.created is True and summary.athletes == 100
    assert draw() == first


def test_the_featured_athlete_belongs_to_the_featured_club(db_session: Session) -> None:
    summary = load_demo_meet(db_session)
    athlete = db_session.get(Athlete, summary.featured_athlete_id)
    assert athlete is not None and athlete.club_id == summary.featured_club_id
    assert db_session.scalar(select(func.count()).select_from(Result).join(Result.entry)
                             .where(Entry.athlete_id == athlete.id)) == 1


def test_the_relay_has_club_teams_with_declared_legs_and_lanes(db_session: Session) -> None:
    summary = load_demo_meet(db_session)
    (final_round,) = _rounds_of(db_session, "4x100m", "M")
    (final,) = final_round.heats
    assert final.status is HeatStatus.SCHEDULED
    teams = db_session.scalars(select(Entry).where(
        Entry.competition_id == summary.competition_id, Entry.team_name.is_not(None))).all()
    assert len(teams) == 5 and all(t.athlete_id is None and t.seed_mark for t in teams)
    assert len({t.club_id for t in teams}) == 5
    assert summary.featured_club_id in {t.club_id for t in teams}, "the coach sees a team"
    for team in teams:
        assert team.club is not None and team.team_name == f"{team.club.name} A"
        legs = db_session.scalars(select(RelayLeg).where(RelayLeg.entry_id == team.id)).all()
        assert sorted(leg.leg for leg in legs if leg.leg is not None) == [1, 2, 3, 4]
        assert all(leg.athlete.club_id == team.club_id and leg.athlete.sex.value == "M"
                   for leg in legs)
    # lanes by seed mark: the four fastest teams of a 4 x 100 m draw lanes 5-8 (as in a 200 m)
    by_seed = sorted(final.lane_assignments, key=lambda a: a.entry.seed_mark)
    assert len(by_seed) == 5 and {a.lane for a in by_seed[:4]} == {5, 6, 7, 8}
