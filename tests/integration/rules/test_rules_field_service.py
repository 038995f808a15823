import pytest
from sqlalchemy import func, select

from athsys.competitions.models import HeatStatus, RoundKind
from athsys.errors import ConflictError, ValidationError
from athsys.officiating.planning import seed_round
from athsys.officiating.service import mark_heats_official
from athsys.results.field_service import (
    derive_field_results,
    flight_standings,
    record_field_attempt,
    undo_last_attempt,
)
from athsys.results.models import Attempt, Result
from athsys.sport.marks import Measure, parse_mark
from tests.integration.rules.conftest import REGISTRAR, STARTER

pytestmark = pytest.mark.integration

# Tokyo 2020, men's high jump final, 1 August 2021 (the series of the unit tests of
# athsys.results.field_series): Barshim and Tamberi share gold, Nedasekau bronze on count-back.
HEIGHTS = ("2.19", "2.24", "2.27", "2.30", "2.33", "2.35", "2.37", "2.39")
TOKYO_HJ = {
    "Barshim": ("-", "o", "o", "o", "o", "o", "o", "xxx"),
    "Tamberi": ("o", "o", "o", "o", "o", "o", "o", "xxx"),
    "Nedasekau": ("xo", "o", "o", "o", "o", "x-", "o", "xxx"),
    "Woo": ("o", "o", "o", "o", "xo", "o", "x-", "xx"),
    "Starc": ("o", "o", "o", "o", "xxo", "o", "x-", "xx"),
}
TOKYO_HJ_PLACES = {"Barshim": 1, "Tamberi": 1, "Nedasekau": 3, "Woo": 4, "Starc": 5}

# Tokyo 2020, men's long jump final: Tentoglou and Echevarria 8.41 each; Tentoglou wins on
# his second best (8.15 against 8.09). Trials the reports do not give are fouls.
TOKYO_LJ = {
    "Harrison": ("x", "x", "x", "x", "8.15", "x"),
    "Masso": ("8.21", "x", "-", "-", "-", "-"),
    "Tentoglou": ("8.11", "x", "x", "x", "8.15", "8.41"),
    "Echevarria": ("8.09", "x", "8.41", "x", "x", "x"),
}


def _flight(meet, db_session, code, names):
    event = meet.event(code)
    entries = {name: meet.entry(event, name[:6].upper(), athlete=meet.athlete(name))
               for name in names}
    rnd = meet.round(event, kind=RoundKind.FINAL)
    seed_round(db_session, REGISTRAR, rnd, seed=2021)
    return rnd.heats[0], entries


def test_tokyo_high_jump_count_back_through_stored_attempts(meet, db_session):
    heat, entries = _flight(meet, db_session, "HJ", TOKYO_HJ)
    for index, height in enumerate(HEIGHTS):
        for name, series in TOKYO_HJ.items():
            if index < len(series):
                for outcome in series[index]:
                    record_field_attempt(db_session, STARTER, heat, entries[name],
                                         outcome=outcome,
                                         height_mm=parse_mark(height, Measure.HEIGHT))
    assert db_session.scalar(select(func.count()).select_from(Attempt)
                             .where(Attempt.heat_id == heat.id)) == sum(
        len("".join(s)) for s in TOKYO_HJ.values())
    standing = flight_standings(db_session, heat)
    places = {line.bib: line.place for line in standing.standings}
    assert places == {entries[n].bib: p for n, p in TOKYO_HJ_PLACES.items()}
    assert {line.best_mm for line in standing.standings[:3]} == {2370}
    assert {line.bib for line in standing.standings if line.jump_off} == {"BARSHI", "TAMBER"}
    with pytest.raises(ConflictError, match="are tied for first; record the jump-off"):
        derive_field_results(db_session, STARTER, [heat])
    for name in ("Barshim", "Tamberi"):  # they decline the jump-off and share first
        record_field_attempt(db_session, STARTER, heat, entries[name], outcome="r")
    shared = flight_standings(db_session, heat)
    assert shared.jump_off is not None and set(shared.jump_off.winners) == {"BARSHI", "TAMBER"}
    assert derive_field_results(db_session, STARTER, [heat]) == 5
    stored = dict(db_session.execute(select(Result.entry_id, Result.place)
                                     .where(Result.heat_id == heat.id)).all())
    assert stored == {entries[n].id: p for n, p in TOKYO_HJ_PLACES.items()}


def test_tokyo_long_jump_second_best_and_standing_after_each_round(meet, db_session):
    heat, entries = _flight(meet, db_session, "LJ", TOKYO_LJ)
    leaders = []
    for trial in range(6):
        for name, series in TOKYO_LJ.items():
            text = series[trial]
            outcome = "x" if text == "x" else "-" if text == "-" else "m"
            standing = record_field_attempt(
                db_session, STARTER, heat, entries[name], outcome=outcome,
                mark_mm=parse_mark(text, Measure.DISTANCE) if outcome == "m" else None,
                wind=3 if outcome == "m" else None)
        leaders.append(standing.standings[0].bib)
    assert leaders == ["MASSO", "MASSO", "ECHEVA", "ECHEVA", "ECHEVA", "TENTOG"]
    final = standing.standings
    assert [(line.bib, line.place, line.best_mm) for line in final[:2]] == [
        ("TENTOG", 1, 8410), ("ECHEVA", 2, 8410)]
    assert final[0].series == "8.11 x x x 8.15 8.41"
    derive_field_results(db_session, STARTER, [heat])
    heat.status = HeatStatus.FINISHED
    mark_heats_official(db_session, REGISTRAR, [heat])
    winner = db_session.scalar(select(Result).where(Result.entry_id == entries["Tentoglou"].id))
    assert (winner.place, winner.mark, winner.wind) == (1, 8410, 3)


def test_undo_last_attempt(meet, db_session):
    heat, entries = _flight(meet, db_session, "LJ", ["Tentoglou"])
    jumper = entries["Tentoglou"]
    record_field_attempt(db_session, STARTER, heat, jumper, outcome="m", mark_mm=8110, wind=2)
    after = record_field_attempt(db_session, STARTER, heat, jumper, outcome="m", mark_mm=8300)
    assert after.standings[0].best_mm == 8300
    undone = undo_last_attempt(db_session, STARTER, heat, jumper)
    assert undone.standings[0].best_mm == 8110 and undone.standings[0].attempts == 1


def test_impossible_vertical_series_is_refused_naming_the_attempt(meet, db_session):
    heat, entries = _flight(meet, db_session, "HJ", ["Tamberi"])
    jumper = entries["Tamberi"]
    for outcome in "xx":
        record_field_attempt(db_session, STARTER, heat, jumper, outcome=outcome, height_mm=2300)
    record_field_attempt(db_session, STARTER, heat, jumper, outcome="-", height_mm=2300)
    record_field_attempt(db_session, STARTER, heat, jumper, outcome="x", height_mm=2330)
    with pytest.raises(ValidationError,
                       match=r"entry TAMBER, attempt 2 at 2.33 m: three consecutive failures"):
        record_field_attempt(db_session, STARTER, heat, jumper, outcome="o", height_mm=2330)
    with pytest.raises(ValidationError, match=r"attempt 1 at 2.30 m: the bar cannot go from"):
        record_field_attempt(db_session, STARTER, heat, jumper, outcome="o", height_mm=2300)
    assert db_session.scalar(select(func.count()).select_from(Attempt)
                             .where(Attempt.heat_id == heat.id)) == 4


def test_a_seventh_trial_is_refused_naming_it(meet, db_session):
    heat, entries = _flight(meet, db_session, "SP", ["Crouser"])
    for _ in range(6):
        record_field_attempt(db_session, STARTER, heat, entries["Crouser"], outcome="x")
    with pytest.raises(ValidationError, match="entry CROUSE, trial 7: only 6 trials"):
        record_field_attempt(db_session, STARTER, heat, entries["Crouser"], outcome="m",
                             mark_mm=23_300)
