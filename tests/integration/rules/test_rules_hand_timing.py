"""Hand timing of stored results against the real PostgreSQL: the heat's default, the
refusals, revisions, combined-events scoring, records and bests, and publication."""

import csv
import io

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from athsys.competitions.models import HeatStatus, RoundKind
from athsys.errors import ValidationError
from athsys.leaderboards.lines import event_info, load_lines, rank_lines
from athsys.leaderboards.reads import read_board
from athsys.officiating.service import mark_heats_official, record_lane_outcome
from athsys.records.models import Record, RecordScope
from athsys.results import service
from athsys.results.models import Result, ResultRevision, ResultSource
from athsys.scoring.service import combined_standings
from athsys.sport.combined import event_points
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex
from athsys.timing.exports import export_results_csv
from tests.integration.rules.conftest import REGISTRAR, STARTER

pytestmark = pytest.mark.integration


def _race(meet, db_session, code="100m", *, hand_timed=False, ordinal=1, event=None):
    event = event or meet.event(code)
    heat = meet.heat(meet.round(event, ordinal, RoundKind.FINAL))
    heat.hand_timed = hand_timed
    db_session.flush()
    return event, heat


def test_a_time_typed_in_a_heat_timed_by_hand_is_a_hand_time_unless_said(meet, db_session):
    event, heat = _race(meet, db_session, hand_timed=True)
    first, second = meet.entry(event, "1"), meet.entry(event, "2")
    typed = record_lane_outcome(db_session, STARTER, heat, first, status=ResultStatus.OK,
                                mark="10.11")
    said = record_lane_outcome(db_session, STARTER, heat, second, status=ResultStatus.OK,
                               mark="10.15", hand_timed=False)
    assert (typed.hand_timed, said.hand_timed) == (True, False)
    # ranking uses the stored marks: 10.11 (published 10.2h) before 10.15
    db_session.refresh(typed)
    db_session.refresh(said)
    assert (typed.place, said.place) == (1, 2)
    dnf = record_lane_outcome(db_session, STARTER, heat, first, status=ResultStatus.DNF)
    assert dnf.hand_timed is False  # no time, no timing method
    revision = db_session.scalars(select(ResultRevision).where(
        ResultRevision.result_id == dnf.id)).one()
    assert (revision.mark, revision.hand_timed) == (10_110, True)  # the revision keeps it


def test_an_automatic_heat_gives_automatic_times_unless_said(meet, db_session):
    event, heat = _race(meet, db_session)
    entry = meet.entry(event, "1")
    result = record_lane_outcome(db_session, STARTER, heat, entry, status=ResultStatus.OK,
                                 mark="10.4", hand_timed=True)
    assert result.hand_timed is True


def test_photo_finish_chips_and_field_marks_are_never_hand_timed(meet, db_session):
    event, heat = _race(meet, db_session, hand_timed=True)
    entry = meet.entry(event, "1")
    with pytest.raises(ValidationError, match="fully automatic, never hand timed"):
        service.record_result(db_session, REGISTRAR, Result(
            heat=heat, entry=entry, mark=10_110, source=ResultSource.LIF, hand_timed=True))
    chip = service.record_result(db_session, REGISTRAR, Result(
        heat=heat, entry=entry, mark=10_110, source=ResultSource.CHIP))
    assert chip.hand_timed is False  # a heat timed by hand does not make a chip time one
    jump = meet.event("LJ")
    flight = meet.heat(meet.round(jump, kind=RoundKind.FINAL))
    with pytest.raises(ValidationError, match="not a race"):
        service.record_result(db_session, REGISTRAR, Result(
            heat=flight, entry=meet.entry(jump, "J1"), mark=7_800, hand_timed=True))


def test_the_database_refuses_a_hand_timed_photo_finish_result(meet, db_session):
    event, heat = _race(meet, db_session)
    db_session.add(Result(heat_id=heat.id, entry_id=meet.entry(event, "1").id, mark=10_000,
                          source=ResultSource.LIF, hand_timed=True))
    with pytest.raises(IntegrityError, match="machine_not_hand"):
        db_session.flush()
    db_session.rollback()


def test_a_combined_event_scores_a_hand_timed_race_by_the_tables_convention(meet, db_session):
    event = meet.event("DEC")
    star = meet.entry(event, "1", athlete=meet.athlete("Star"))
    hundred = meet.heat(meet.round(event, 1, RoundKind.FINAL))
    long_jump = meet.heat(meet.round(event, 2, RoundKind.FINAL))
    db_session.add_all([
        Result(heat_id=hundred.id, entry_id=star.id, mark=10_600, hand_timed=True),
        Result(heat_id=long_jump.id, entry_id=star.id, mark=7_800),
    ])
    db_session.flush()
    standing = combined_standings(db_session, event.id)[0]
    hand = event_points("men_decathlon", "100m", 10_600, hand_timed=True)
    assert hand < event_points("men_decathlon", "100m", 10_600)  # 10.6 by hand scores as 10.84
    assert [e.points for e in standing.events[:2]] == [hand, 1010]
    assert standing.total == hand + 1010


def _official(meet, db_session, event, entry, mark, *, hand, ordinal):
    heat = meet.heat(meet.round(event, ordinal, RoundKind.FINAL))
    result = Result(heat_id=heat.id, entry_id=entry.id, mark=mark, hand_timed=hand)
    db_session.add(result)
    heat.status = HeatStatus.FINISHED
    db_session.flush()
    mark_heats_official(db_session, REGISTRAR, [heat])
    return result


def _best(db_session, athlete, scope=RecordScope.PERSONAL_BEST):
    return db_session.scalars(select(Record).where(
        Record.athlete_id == athlete.id, Record.scope == scope)).one()


def test_a_hand_time_makes_no_record_and_never_displaces_an_automatic_sprint_best(
    meet, db_session
):
    event = meet.event("100m")
    athlete = meet.athlete("Hand", nationality="FRA")
    entry = meet.entry(event, "H1", athlete=athlete)
    db_session.add_all([
        Record(scope=RecordScope.WORLD, discipline_code="100m", sex=Sex.MALE, mark=9_580),
        Record(scope=RecordScope.MEETING, discipline_code="100m", sex=Sex.MALE,
               region=meet.competition.name, mark=10_500),
    ])
    db_session.flush()
    # 9.41 by hand "beats" the WR and the meeting record: no record; the first best, by hand
    first = _official(meet, db_session, event, entry, 9_410, hand=True, ordinal=1)
    assert first.record_flags == ["PB", "SB"]
    pb = _best(db_session, athlete)
    assert (pb.mark, pb.hand_timed) == (9_410, True)
    # 10.12 fully automatic: meeting record; in a sprint it replaces the hand best
    second = _official(meet, db_session, event, entry, 10_120, hand=False, ordinal=2)
    assert second.record_flags == ["MR", "PB", "SB"]
    assert (_best(db_session, athlete).mark, _best(db_session, athlete).hand_timed) == (
        10_120, False)
    # 9.90 by hand again: does not beat the automatic best
    third = _official(meet, db_session, event, entry, 9_900, hand=True, ordinal=3)
    assert third.record_flags == []
    assert _best(db_session, athlete, RecordScope.SEASON_BEST).mark == 10_120


def test_from_800_metres_a_hand_best_is_compared_at_the_tenth(meet, db_session):
    event = meet.event("800m")
    athlete = meet.athlete("Miler")
    entry = meet.entry(event, "M1", athlete=athlete)
    _official(meet, db_session, event, entry, 110_010, hand=False, ordinal=1)  # 1:50.01
    # 1:49.901 by hand is published 1:50.0h: faster than 1:50.01, a PB set by hand
    quicker = _official(meet, db_session, event, entry, 109_901, hand=True, ordinal=2)
    assert quicker.record_flags == ["PB", "SB"]
    assert (_best(db_session, athlete).mark, _best(db_session, athlete).hand_timed) == (
        109_901, True)
    # 1:49.95 fully automatic beats the 1:50.0h best
    auto = _official(meet, db_session, event, entry, 109_950, hand=False, ordinal=3)
    assert auto.record_flags == ["PB", "SB"]
    # 1:49.91 by hand is 1:50.0h again: slower than 1:49.95
    slower = _official(meet, db_session, event, entry, 109_910, hand=True, ordinal=4)
    assert slower.record_flags == []


def test_hand_times_are_published_to_the_tenth_and_ranked_by_the_stored_mark(meet, db_session):
    event, heat = _race(meet, db_session, hand_timed=True)
    for bib, mark, hand in (("1", "10.11", None), ("2", "10.10", None), ("3", "10.15", False)):
        record_lane_outcome(db_session, STARTER, heat, meet.entry(event, bib),
                            status=ResultStatus.OK, mark=mark, hand_timed=hand)
    info = event_info(db_session, event.id)
    lines = rank_lines(info, load_lines(db_session, info))
    assert [(line["bib"], line["place"], line["mark_text"], line["gap_text"], line["hand_timed"])
            for line in lines] == [
        ("2", 1, "10.1h", "", True),  # TR 19.24: 10.10 -> 10.1
        ("1", 2, "10.2h", "+0.1", True),  # 10.11 -> 10.2
        ("3", 3, "10.15", "+0.05", False),
    ]
    board = read_board(db_session, None, event.id)
    assert [line["mark_text"] for line in board["lines"]] == ["10.1h", "10.2h", "10.15"]
    rows = list(csv.DictReader(io.StringIO(export_results_csv(db_session, heat.id))))
    assert [(r["bib"], r["time"], r["time_ms"], r["hand_timed"]) for r in rows] == [
        ("2", "10.1", "10100", "1"), ("1", "10.2", "10110", "1"), ("3", "10.15", "10150", "0")]
