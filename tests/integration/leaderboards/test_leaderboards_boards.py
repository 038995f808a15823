"""Boards computed into Redis and read back: full build, incremental updates, ties,
non-finishers, corrections, deletions, categories, age grading, records, teams."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import redis as redis_lib
from prometheus_client import REGISTRY
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.competitions.models import Heat
from athsys.errors import ValidationError
from athsys.leaderboards import reads, refresh, teams
from athsys.leaderboards.cache import BoardStore
from athsys.officiating import service as officiating
from athsys.records.models import Record, RecordScope
from athsys.results.models import Result
from athsys.sport.age_grading import age_grade
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex
from tests.integration.leaderboards.leaderboards_support import Meet, store_result

pytestmark = pytest.mark.integration


def _refresh(engine: Engine, store: BoardStore, event_id: int) -> refresh.RefreshOutcome:
    with Session(engine) as session:
        return refresh.refresh_event(session, store, event_id)


def _board(engine: Engine, store: BoardStore | None, event_id: int, board: str = "all",
           page: int = 1, per_page: int = 50) -> dict:  # type: ignore[type-arg]
    with Session(engine) as session:
        return reads.read_board(session, store, event_id, board, page, per_page)


def _summary(answer: dict) -> list[tuple]:  # type: ignore[type-arg]
    return [(line["bib"], line["place"], line["mark_text"], line["gap"], line["tied"])
            for line in answer["lines"]]


def test_full_then_incremental_matches_direct_computation(
    meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    store = BoardStore(redis_client)
    heat, e = meet.road_heat_id, meet.road_entries
    store_result(committed_db, heat, e[0], 1_800_000)
    store_result(committed_db, heat, e[1], 1_795_400)
    store_result(committed_db, heat, e[2], None, ResultStatus.DNF)
    first = _refresh(committed_db, store, meet.road_event_id)
    assert first.full and first.lines_changed == 3

    store_result(committed_db, heat, e[3], 1_795_400)  # ties the leader at the millisecond
    second = _refresh(committed_db, store, meet.road_event_id)
    assert not second.full and second.lines_changed == 1
    stored = _board(committed_db, store, meet.road_event_id)
    assert stored["source"] == "store"
    assert _summary(stored) == [
        ("102", 1, "29:56", 0, True), ("104", 1, "29:56", 0, True),
        ("101", 3, "30:00", 4600, False), ("103", None, "DNF", None, False),
    ]
    direct = _board(committed_db, None, meet.road_event_id)
    assert direct["source"] == "database"
    assert _summary(direct) == _summary(stored)

    # a correction moves a line; the unchanged ones keep their places relative to it
    store_result(committed_db, heat, e[0], 1_700_000)
    assert not _refresh(committed_db, store, meet.road_event_id).full
    assert [line["bib"] for line in _board(committed_db, store, meet.road_event_id)["lines"]] == [
        "101", "102", "104", "103"]


def test_old_lines_are_stored_without_signature_and_still_move_when_corrected(
    meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    store = BoardStore(redis_client)
    heat, e = meet.road_heat_id, meet.road_entries
    for i, entry_id in enumerate(e[:4]):
        store_result(committed_db, heat, entry_id, 1_800_000 + i * 1_000)
    with Session(committed_db) as session, session.begin():  # written an hour ago
        session.execute(text("UPDATE result SET updated_at = now() - interval '1 hour'"))
    assert _refresh(committed_db, store, meet.road_event_id).full
    signatures = f"athsys:lb:{meet.road_event_id}:sig"
    assert redis_client.hlen(signatures) == 0  # the next refresh reads none of them again

    # an old line corrected: read again, no stored signature, so changed; it leaves the
    # boards it was on (all, its category) for the unplaced
    store_result(committed_db, heat, e[1], None, ResultStatus.DNF)
    outcome = _refresh(committed_db, store, meet.road_event_id)
    assert not outcome.full and outcome.lines_changed == 1
    assert redis_client.hkeys(signatures) == [str(e[1])]
    stored = _board(committed_db, store, meet.road_event_id)
    assert _summary(stored) == [("101", 1, "30:00", 0, False), ("103", 2, "30:02", 2000, False),
                                ("104", 3, "30:03", 3000, False), ("102", None, "DNF", None, False)]
    assert _summary(_board(committed_db, None, meet.road_event_id)) == _summary(stored)
    assert [line["bib"] for line in _board(committed_db, store, meet.road_event_id,
                                           "cat:SEN")["lines"]] == ["101"]
    # read again without a change: not reported
    assert _refresh(committed_db, store, meet.road_event_id).lines_changed == 0


def test_paging_keeps_places_of_ties_across_pages(
    meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    store = BoardStore(redis_client)
    marks = [1_700_000, 1_710_000, 1_710_000, 1_720_000, 1_730_000, 1_740_000]
    for entry_id, mark in zip(meet.road_entries, marks, strict=True):
        store_result(committed_db, meet.road_heat_id, entry_id, mark)
    _refresh(committed_db, store, meet.road_event_id)
    page2 = _board(committed_db, store, meet.road_event_id, page=2, per_page=2)
    # line 3 ties line 2 on the previous page: it shares place 2
    assert [(line["bib"], line["place"], line["tied"]) for line in page2["lines"]] == [
        ("103", 2, True), ("104", 4, False)]
    assert page2["total"] == 6
    direct = _board(committed_db, None, meet.road_event_id, page=2, per_page=2)
    assert [(line["bib"], line["place"]) for line in direct["lines"]] == [("103", 2), ("104", 4)]


def test_deleting_a_result_rebuilds_and_categories_and_grades_are_boards(
    meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    store = BoardStore(redis_client)
    for i, entry_id in enumerate(meet.road_entries):
        store_result(committed_db, meet.road_heat_id, entry_id, 1_800_000 + i * 60_000)
    _refresh(committed_db, store, meet.road_event_id)
    with Session(committed_db) as session, session.begin():
        session.execute(delete(Result).where(Result.entry_id == meet.road_entries[0]))
    outcome = _refresh(committed_db, store, meet.road_event_id)
    assert outcome.full
    board = _board(committed_db, store, meet.road_event_id)
    assert [line["bib"] for line in board["lines"]][0] == "102"
    # runners are 25, 32, 39, 46, 53, 60 years old this year
    # a men's race: its sex:M board is the whole board, stored once
    assert sorted(store.boards(meet.road_event_id)) == sorted(
        ["all", "cat:SEN", "cat:M35", "cat:M45", "cat:M50", "cat:M60", "age-graded"])
    assert _summary(_board(committed_db, store, meet.road_event_id, "sex:M")) == _summary(board)
    assert _board(committed_db, store, meet.road_event_id, "sex:F")["lines"] == []
    masters = _board(committed_db, store, meet.road_event_id, "cat:M45")
    assert [(line["bib"], line["place"]) for line in masters["lines"]] == [("104", 1)]
    graded = _board(committed_db, store, meet.road_event_id, "age-graded")["lines"]
    grades = [line["grade"] for line in graded]
    assert all(grades) and grades == sorted(grades, key=float, reverse=True)
    # the 60-year-old is slowest but best graded
    assert graded[0]["bib"] == "106"
    # the road tables of 2020 on request, computed from the database; each grade as the
    # age-grading module computes it (Decimal arithmetic), cut to two decimals (the men's 10 km
    # factors are the same in both editions; the half marathon's differ: see the unit tests)
    older = _board(committed_db, store, meet.road_event_id, "age-graded:2020")
    assert older["age_grading"] == {"edition": "2020", "tables": "Alan Jones 2020 road",
                                    "rounding": "percentage cut (not rounded) to two decimals"}
    expected = {f"{102 + i}": age_grade("M", age, "ROAD_10K", 1_860_000 + i * 60_000,
                                        "2020").percentage
                for i, age in enumerate((32, 39, 46, 53, 60))}
    assert {line["bib"]: Decimal(line["grade"]) for line in older["lines"]} == expected
    assert _board(committed_db, store, meet.road_event_id, "age-graded")["age_grading"][
        "edition"] == "2025"
    with pytest.raises(ValidationError, match="unknown board 'age-graded:1999'"):
        _board(committed_db, store, meet.road_event_id, "age-graded:1999")


def test_record_flags_are_those_stored_when_official_and_team_scores(
    meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    with Session(committed_db) as session, session.begin():
        session.add(Record(scope=RecordScope.MEETING, discipline_code="10K", sex=Sex.MALE,
                           region="City 10K", mark=1_750_000))
    store = BoardStore(redis_client)
    e = meet.road_entries
    store_result(committed_db, meet.road_heat_id, e[0], 1_740_000)
    store_result(committed_db, meet.road_heat_id, e[1], 1_790_000)
    store_result(committed_db, meet.road_heat_id, e[2], 1_800_000)
    for entry_id in e[3:]:
        store_result(committed_db, meet.road_heat_id, entry_id, None, ResultStatus.DNS)
    _refresh(committed_db, store, meet.road_event_id)
    lines = _board(committed_db, store, meet.road_event_id)["lines"]
    # unofficial: no flags yet, whatever the marks
    assert [line["records"] for line in lines[:3]] == [[], [], []]
    assert not any(line["official"] for line in lines)

    with Session(committed_db) as session, session.begin():
        heat = session.get(Heat, meet.road_heat_id)
        officiating.finish_heats(session, SYSTEM, [heat])
        officiating.mark_heats_official(session, SYSTEM, [heat])
    outcome = _refresh(committed_db, store, meet.road_event_id)
    assert not outcome.full and outcome.lines_changed == 6  # the heat's status moved them all
    lines = _board(committed_db, store, meet.road_event_id)["lines"]
    assert lines[0]["records"] == ["MR", "PB", "SB"]  # no PB/SB on file: a first mark is both
    assert "MR" not in lines[1]["records"]
    assert all(line["official"] for line in lines)
    with Session(committed_db) as session:
        assert lines[0]["records"] == session.scalars(
            select(Result.record_flags).where(Result.entry_id == e[0])).one()
        heat_lines = reads.heat_results(session, meet.road_heat_id)["lines"]
        scores = reads.team_standings(session, meet.road_event_id,
                                      teams.PointsScheme((5, 3, 1), scorers=2))
    assert heat_lines[0]["records"] == ["MR", "PB", "SB"]
    # HAR: 1st (5) + 3rd (1); STR: 2nd (3)
    assert [(t["team"], t["place"], t["points"]) for t in scores["teams"]] == [
        ("HAR", 1, "6"), ("STR", 2, "3")]


def test_heat_without_results_shows_the_start_list(meet: Meet, committed_db: Engine) -> None:
    with Session(committed_db) as session:
        heat = reads.heat_results(session, meet.sprint_heat_id)
    assert heat["kind"] == "start_list"
    assert [(line["lane"], line["bib"], line["seed_text"]) for line in heat["lines"]][:2] == [
        (3, "201", "10.11"), (4, "202", "10.12")]
    store_result(committed_db, meet.sprint_heat_id, meet.sprint_entries[0], 10_071)
    store_result(committed_db, meet.sprint_heat_id, meet.sprint_entries[1], 10_065)
    store_result(committed_db, meet.sprint_heat_id, meet.sprint_entries[2], None, ResultStatus.DQ)
    with Session(committed_db) as session:
        heat = reads.heat_results(session, meet.sprint_heat_id)
    assert heat["kind"] == "results"
    # 10.065 and 10.071 both publish as 10.07, but the thousandth separates them
    assert [(line["bib"], line["place"], line["mark_text"], line["gap"])
            for line in heat["lines"]] == [
        ("202", 1, "10.07", 0), ("201", 2, "10.08", 6), ("203", None, "DQ", None)]
    # printed, the gap is the difference of the published marks, in the sport's notation
    assert [line["gap_text"] for line in heat["lines"]] == ["", "+0.01", ""]


def test_refreshes_of_one_event_run_one_after_the_other(
    meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    store = BoardStore(redis_client)
    store_result(committed_db, meet.road_heat_id, meet.road_entries[0], 1_800_000)
    done = threading.Event()
    outcomes: list[refresh.RefreshOutcome] = []

    def refresh() -> None:
        outcomes.append(_refresh(committed_db, store, meet.road_event_id))
        done.set()

    with store.refreshing(meet.road_event_id) as held:  # a refresh running elsewhere
        assert held
        waiting = threading.Thread(target=refresh)
        waiting.start()
        assert not done.wait(0.5), "a second refresh ran while the first held the lock"
    assert done.wait(10)
    waiting.join()
    assert outcomes[0].full and outcomes[0].lines_changed == 1
    with store.refreshing(meet.road_event_id) as held:  # released after the refresh
        assert held


def test_published_counts_lines_the_public_sees_new_or_changed(
    meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    from tasks.leaderboards import refresh_event_leaderboard

    def published_total() -> float:
        return REGISTRY.get_sample_value("athsys_results_published_total") or 0.0

    store = BoardStore(redis_client)
    heat, e = meet.road_heat_id, meet.road_entries
    store_result(committed_db, heat, e[0], 1_800_000)
    store_result(committed_db, heat, e[1], 1_795_400)
    before = published_total()
    refresh_event_leaderboard.run(meet.road_event_id)  # the first build shows both
    assert published_total() == before + 2
    store_result(committed_db, heat, e[2], 1_790_000)
    assert _refresh(committed_db, store, meet.road_event_id).published == 1
    rebuilt = _forced(committed_db, store, meet.road_event_id)
    assert rebuilt.full and rebuilt.lines_changed == 3 and rebuilt.published == 0


def _forced(engine: Engine, store: BoardStore, event_id: int) -> refresh.RefreshOutcome:
    with Session(engine) as session:
        return refresh.refresh_event(session, store, event_id, force_full=True)


def _correct_wind(engine: Engine, heat_id: int, wind: int) -> None:
    """The referee corrects the heat's wind; the refresh job it asks for is taken here, so
    that no worker left running by another test refreshes the boards before the test."""
    from athsys.competitions.races import update_race
    from athsys.jobs import take_pending

    with Session(engine) as session, session.begin():
        update_race(session, SYSTEM, session.get(Heat, heat_id), {"wind": wind})
        session.flush()
        take_pending(session)


def test_a_race_wind_typed_or_corrected_after_the_results_reaches_their_lines(
    meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    """Times typed on the starter's console carry no wind of their own: the heat's is theirs.
    Corrected to +2.5 after the results, the next refresh re-reads the heat, the lines show
    it and the marks are wind-aided (w)."""
    store = BoardStore(redis_client)
    heat, e = meet.sprint_heat_id, meet.sprint_entries
    store_result(committed_db, heat, e[0], 10_420)
    store_result(committed_db, heat, e[1], 10_510)
    assert _refresh(committed_db, store, meet.sprint_event_id).full
    _correct_wind(committed_db, heat, 12)
    outcome = _refresh(committed_db, store, meet.sprint_event_id)
    assert not outcome.full and outcome.lines_changed == 2  # both lines show the new wind
    lines = _board(committed_db, store, meet.sprint_event_id)["lines"]
    assert [(line["wind"], line["conditions"]) for line in lines] == [("+1.2", [])] * 2
    _correct_wind(committed_db, heat, 25)
    assert _refresh(committed_db, store, meet.sprint_event_id).lines_changed == 2
    lines = _board(committed_db, store, meet.sprint_event_id)["lines"]
    assert [(line["wind"], line["conditions"]) for line in lines] == [("+2.5", ["w"])] * 2


def _refreshes_sent(engine: Engine, sent: list[dict[str, Any]],
                    change: Callable[[Session], None]) -> set[int]:
    """The events whose refresh committing ``change`` sends (through the dispatcher, to no
    worker: ``sent``)."""
    from tasks import wiring

    wiring.install()  # as create_app() and the worker's start-up do
    sent.clear()
    with Session(engine) as session, session.begin():
        change(session)
    return {call["kwargs"]["event_id"] for call in sent}


def test_an_athlete_or_club_renamed_or_moved_reaches_the_boards_that_show_them(
    meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis,
    sent: list[dict[str, Any]],
) -> None:
    """The boards show an athlete's name and club and a club's code. No result changes, so
    an incremental refresh would find nothing new and the cached answers would stay: changing
    one asks for a rebuild of the events that show it (the team standings and cached answers
    follow each rebuild). An athlete nobody entered asks for nothing."""
    from athsys.athletes import service as athletes
    from athsys.athletes.models import Athlete, Club
    from athsys.audit.service import snapshot
    from athsys.competitions.models import Entry

    store = BoardStore(redis_client)
    heat, e = meet.road_heat_id, meet.road_entries
    for place, entry_id in enumerate(e[:4]):
        store_result(committed_db, heat, entry_id, 1_800_000 + place * 1000)
    assert _refresh(committed_db, store, meet.road_event_id).full
    with Session(committed_db) as session:
        athlete_id = session.scalar(select(Entry.athlete_id).where(Entry.id == e[0]))
        striders = session.scalar(select(Club.id).where(Club.code == "STR"))
        harriers = session.scalar(select(Club.id).where(Club.code == "HAR"))

    def move(session: Session) -> None:
        athlete = session.get(Athlete, athlete_id)
        before = snapshot(athlete)
        athlete.last_name, athlete.club_id = "Renamed", striders
        athletes.update_athlete(session, SYSTEM, athlete, before)

    assert _refreshes_sent(committed_db, sent, move) == {meet.road_event_id}
    assert _refresh(committed_db, store, meet.road_event_id).full  # no result changed
    assert not _refresh(committed_db, store, meet.road_event_id).full  # asked once
    line = _board(committed_db, store, meet.road_event_id)["lines"][0]
    assert (line["last_name"], line["club"]) == ("Renamed", "STR")

    def rename_club(session: Session) -> None:
        session.get(Club, harriers).code = "HRR"

    # the Harriers' sprinters and road runners: both events
    assert _refreshes_sent(committed_db, sent, rename_club) == {meet.road_event_id,
                                                                meet.sprint_event_id}
    assert _refresh(committed_db, store, meet.road_event_id).full
    lines = _board(committed_db, store, meet.road_event_id)["lines"]
    assert [line["club"] for line in lines] == ["STR", "STR", "HRR", "STR"]

    def add_unentered(session: Session) -> None:
        session.add(Athlete(first_name="New", last_name="Comer", sex=Sex.MALE))

    def rename_unentered(session: Session) -> None:
        session.scalars(select(Athlete).where(Athlete.last_name == "Comer")).one(
            ).first_name = "Late"

    assert _refreshes_sent(committed_db, sent, add_unentered) == set()
    assert _refreshes_sent(committed_db, sent, rename_unentered) == set()
