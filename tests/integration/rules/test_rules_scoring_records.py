from datetime import date

import pytest
from sqlalchemy import select

from athsys.competitions.models import HeatStatus, RoundKind
from athsys.leaderboards.lines import AGE_GRADED
from athsys.leaderboards.reads import read_board
from athsys.officiating.service import mark_heats_official
from athsys.records.models import Record, RecordScope
from athsys.results.models import Result
from athsys.scoring.service import combined_standings
from athsys.sport.age_grading import age_grade
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex
from tests.integration.rules.conftest import REGISTRAR

pytestmark = pytest.mark.integration

# Kevin Mayer, Talence, 15-16 Sep 2018: 9126 points (mark, published points).
MAYER = [(10_550, 963), (7_800, 1010), (16_000, 851), (2_050, 850), (48_420, 889),
         (13_750, 1007), (50_540, 882), (5_450, 1051), (71_900, 918), (276_110, 705)]
# Jackie Joyner-Kersee, Seoul, 23-24 Sep 1988: 7291 points.
JOYNER_KERSEE = [(12_690, 1172), (1_860, 1054), (15_800, 915), (22_560, 1123), (7_270, 1264),
                 (45_660, 776), (128_510, 987)]


def _combined(meet, db_session, code, sex, series):
    event = meet.event(code, sex)
    star = meet.entry(event, "1", athlete=meet.athlete("Star", sex))
    other = meet.entry(event, "2", athlete=meet.athlete("Other", sex))
    for ordinal, (mark, _) in enumerate(series, start=1):
        heat = meet.heat(meet.round(event, ordinal, RoundKind.FINAL))
        db_session.add(Result(heat_id=heat.id, entry_id=star.id, mark=mark))
        if ordinal == 1:
            # the other athlete: below the threshold in event 1 (0), nothing else (0 each)
            db_session.add(Result(heat_id=heat.id, entry_id=other.id, mark=30_000))
    db_session.flush()
    return event, star, other


def test_decathlon_world_record_from_stored_results(meet, db_session):
    event, star, other = _combined(meet, db_session, "DEC", Sex.MALE, MAYER)
    standings = combined_standings(db_session, event.id)
    assert [(s.bib, s.place, s.total) for s in standings] == [("1", 1, 9126), ("2", 2, 0)]
    assert [e.points for e in standings[0].events] == [p for _, p in MAYER]
    assert standings[0].events[4].running_total == 4563  # after day one
    assert [e.points for e in standings[1].events] == [0] * 10
    after_two = combined_standings(db_session, event.id, through=2)
    assert after_two[0].total == 1973 and len(after_two[0].events) == 2


def test_heptathlon_world_record_from_stored_results(meet, db_session):
    event, _, _ = _combined(meet, db_session, "HEP", Sex.FEMALE, JOYNER_KERSEE)
    standings = combined_standings(db_session, event.id)
    assert standings[0].total == 7291
    assert [e.points for e in standings[0].events] == [p for _, p in JOYNER_KERSEE]


def test_a_dns_in_a_combined_event_scores_zero(meet, db_session):
    event, star, _ = _combined(meet, db_session, "HEP", Sex.FEMALE, JOYNER_KERSEE)
    result = db_session.scalars(select(Result).where(Result.entry_id == star.id)
                                .order_by(Result.id)).all()[-1]
    result.status, result.mark = ResultStatus.DNS, None
    db_session.flush()
    assert combined_standings(db_session, event.id)[0].total == 7291 - 987


def _official_race(meet, db_session, event, athlete, mark, *, wind=None, ordinal=1):
    entry = meet.entry(event, f"{athlete.last_name[:4]}{ordinal}", athlete=athlete) \
        if ordinal == 1 else event.entries[0]
    heat = meet.heat(meet.round(event, ordinal, RoundKind.FINAL))
    result = Result(heat_id=heat.id, entry_id=entry.id, mark=mark, wind=wind)
    db_session.add(result)
    heat.status = HeatStatus.FINISHED
    db_session.flush()
    mark_heats_official(db_session, REGISTRAR, [heat])
    return result


def test_official_heat_sets_pb_and_sb_and_flags_records(meet, db_session):
    event = meet.event("100m")
    athlete = meet.athlete("Bolt", nationality="JAM")
    db_session.add_all([
        Record(scope=RecordScope.WORLD, discipline_code="100m", sex=Sex.MALE, mark=9_580),
        Record(scope=RecordScope.NATIONAL, discipline_code="100m", sex=Sex.MALE, region="JAM",
               mark=9_580),
        Record(scope=RecordScope.MEETING, discipline_code="100m", sex=Sex.MALE,
               region=meet.competition.name, mark=9_900),
    ])
    db_session.flush()
    first = _official_race(meet, db_session, event, athlete, 9_950)
    assert first.record_flags == ["PB", "SB"]
    pb = db_session.scalars(select(Record).where(Record.athlete_id == athlete.id,
                                                 Record.scope == RecordScope.PERSONAL_BEST)).one()
    assert pb.mark == 9_950
    # read to the thousandth 9.572 is published 9.58: equals the WR, NR, beats MR, PB, SB
    second = _official_race(meet, db_session, event, athlete, 9_572, ordinal=2)
    assert second.record_flags == ["WR", "NR", "MR", "PB", "SB"]
    assert db_session.get(Record, pb.id).mark == 9_572
    db_session.expire(second)
    assert db_session.get(Result, second.id).record_flags == ["WR", "NR", "MR", "PB", "SB"]
    # slower, and with a +2.1 tailwind: no flag, bests unchanged
    third = _official_race(meet, db_session, event, athlete, 9_500, wind=21, ordinal=3)
    assert third.record_flags == []
    assert db_session.get(Record, pb.id).mark == 9_572


def test_a_championship_record_and_the_conditions_on_the_board(meet, db_session):
    """An edition of the "National Championships" held indoors at 1600 m: its records are
    CR against the championship's, and its board marks each result i and A (and w when the
    wind assists)."""
    meet.competition.championship = "National Championships"
    meet.competition.indoor = True
    meet.competition.altitude_m = 1600
    event = meet.event("100m")
    db_session.add(Record(scope=RecordScope.CHAMPIONSHIP, discipline_code="100m", sex=Sex.MALE,
                          region="National Championships", mark=10_100))
    fast = meet.entry(event, "11", athlete=meet.athlete("Fast"))
    windy = meet.entry(event, "12", athlete=meet.athlete("Windy"))
    heat = meet.heat(meet.round(event, 1, RoundKind.FINAL))
    results = [Result(heat_id=heat.id, entry_id=fast.id, mark=10_050, wind=15),
               Result(heat_id=heat.id, entry_id=windy.id, mark=9_990, wind=25)]
    db_session.add_all(results)
    heat.status = HeatStatus.FINISHED
    db_session.flush()
    mark_heats_official(db_session, REGISTRAR, [heat])
    assert [r.record_flags for r in results] == [["CR", "PB", "SB"], []]
    board = read_board(db_session, None, event.id)
    assert {line["bib"]: line["conditions"] for line in board["lines"]} == {
        "11": ["i", "A"], "12": ["w", "i", "A"]}


def test_age_graded_results_for_masters(meet, db_session):
    event = meet.event("10K", Sex.FEMALE)
    veteran = meet.athlete("Veteran", Sex.FEMALE, birth=date(1966, 9, 16))  # 51 on 15 Sep 2018
    young = meet.athlete("Young", Sex.FEMALE, birth=date(1995, 1, 1))
    heat = meet.heat(meet.round(event, kind=RoundKind.FINAL))
    for athlete, bib, mark in ((veteran, "V1", 2_490_000), (young, "Y1", 2_100_000)):
        entry = meet.entry(event, bib, athlete=athlete)
        db_session.add(Result(heat_id=heat.id, entry_id=entry.id, mark=mark))
    db_session.flush()
    # the age-graded board, as the public pages read it when Redis has none: best
    # percentage first, each with the grade of her age on the day
    board = read_board(db_session, None, event.id, board=AGE_GRADED)
    graded = {"A Veteran": age_grade("F", 51, "ROAD_10K", 2_490_000).percentage,
              "A Young": age_grade("F", 23, "ROAD_10K", 2_100_000).percentage}
    order = sorted(graded, key=lambda name: -graded[name])
    assert [(line["name"], line["place"], line["grade"]) for line in board["lines"]] == [
        (name, place, str(graded[name])) for place, name in enumerate(order, start=1)]
