"""The scoreboard state of a heat (athsys.leaderboards.scoreboard): pure functions."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from athsys.competitions.models import HeatStatus
from athsys.leaderboards.scoreboard import BoardHeat, field_board, race_board, with_version
from athsys.results.field_sheet import FieldSheet, JumpOffSheet, SheetRow
from athsys.sport.marks import Measure

pytestmark = pytest.mark.unit

GUN = datetime(2026, 8, 1, 19, 30, 0, 120_000, tzinfo=UTC)
HEAT = BoardHeat(
    heat_id=7, event_id=3, competition_id=1, competition="Meet", event="100 m", round="final",
    number=1, name="", status=HeatStatus.SCHEDULED,
    scheduled_start=datetime(2026, 8, 1, 19, 30, tzinfo=UTC), gun_time=None, wind=None,
    time_zone="Europe/Paris", measure=Measure.TIME)
LANES = [{"lane": 4, "position": 1, "bib": "204", "name": "Ann Fast", "club": "HAR"},
         {"lane": 5, "position": 2, "bib": "205", "name": "Bea Quick", "club": ""}]


def test_a_race_before_the_gun_shows_its_lanes_and_local_start() -> None:
    state = race_board(HEAT, LANES, [])
    assert state["kind"] == "race" and state["schema"] == 1
    assert state["status"] == "scheduled" and state["clock_running"] is False
    assert state["gun_time"] is None and state["scheduled_text"] == "21:30"  # Paris, summer
    assert [lane["bib"] for lane in state["lanes"]] == ["204", "205"]
    assert state["results"] == [] and state["wind"] is None
    assert len(state["version"]) == 16


def test_after_the_gun_the_board_runs_the_clock_from_an_iso_moment() -> None:
    state = race_board(replace(HEAT, status=HeatStatus.STARTED, gun_time=GUN), LANES, [])
    assert state["clock_running"] is True
    assert state["gun_time"] == "2026-08-01T19:30:00.120000+00:00"
    assert datetime.fromisoformat(state["gun_time"]) == GUN
    assert state["gun_text"] == "21:30:00.12"


def test_results_arrive_in_notation_with_their_lane_and_the_wind() -> None:
    started = replace(HEAT, status=HeatStatus.FINISHED, gun_time=GUN, wind=-12)
    before = race_board(started, LANES, [])
    results = [{"place": 1, "bib": "205", "name": "Bea Quick", "club": "", "mark_text": "10.01",
                "status": "OK", "gap_text": "", "records": ["PB"]},
               {"place": None, "bib": "204", "name": "Ann Fast", "club": "HAR",
                "mark_text": "DNF", "status": "DNF", "gap_text": "", "records": []}]
    after = race_board(started, LANES, results)
    assert after["clock_running"] is False and after["wind"] == "-1.2"
    assert [(r["place"], r["lane"], r["mark"], r["status"]) for r in after["results"]] == [
        (1, 5, "10.01", "OK"), (None, 4, "DNF", "DNF")]
    assert after["results"][0]["records"] == ["PB"]
    assert after["version"] != before["version"]


def test_the_clock_stops_at_the_winner_on_the_track_and_runs_on_on_the_road() -> None:
    started = replace(HEAT, status=HeatStatus.STARTED, gun_time=GUN)
    winner = [{"place": 1, "bib": "205", "name": "Bea Quick", "mark_text": "10.01",
               "status": "OK"}]
    dnf = [{"place": None, "bib": "204", "name": "Ann Fast", "mark_text": "DNF",
            "status": "DNF"}]
    assert race_board(started, LANES, dnf)["clock_running"] is True
    assert race_board(started, LANES, winner)["clock_running"] is False
    road = replace(started, event="10 km road", road=True)
    assert race_board(road, LANES, winner)["clock_running"] is True
    assert race_board(replace(road, status=HeatStatus.FINISHED), LANES, winner)[
        "clock_running"] is False


def test_the_version_is_a_digest_of_the_content_alone() -> None:
    one = race_board(HEAT, LANES, [])
    assert race_board(HEAT, LANES, []) == one
    assert with_version(one) == one  # the old version is not part of the digest
    assert race_board(HEAT, LANES[:1], [])["version"] != one["version"]


def _row(entry_id: int, bib: str, cells: tuple[str, ...], place: int | None, best: str,
         *, out: bool = False) -> SheetRow:
    return SheetRow(entry_id=entry_id, bib=bib, name=f"Jumper {bib}", cells=cells,
                    attempts=len("".join(cells)), place=place, best=best, out=out)


FIELD = replace(HEAT, event="High jump", status=HeatStatus.STARTED, measure=Measure.HEIGHT)


def test_a_high_jump_shows_the_standing_the_bar_and_who_is_up() -> None:
    sheet = FieldSheet(
        heat_id=7, event="High jump", vertical=True, wind=False, heights=(2190, 2240),
        trials=6, up_next=12, final_round_order=(),
        rows=(_row(11, "11", ("o", "xo"), 2, "2.24"), _row(12, "12", ("o", "x"), 3, "2.19"),
              _row(13, "13", ("-", "o"), 1, "2.24")))
    state = field_board(FIELD, sheet)
    assert state["kind"] == "field" and state["vertical"] is True
    assert state["bar"] == "2.24" and state["trial"] is None
    assert [line["bib"] for line in state["standings"]] == ["13", "11", "12"]
    assert state["up"] == {"bib": "12", "name": "Jumper 12", "attempt": 3}
    assert state["standings"][1]["series"] == ["o", "xo"]
    assert state["heights"] == ["2.19", "2.24"] and state["jump_off"] is None
    # the next attempt (a failure that moves nobody) is a new state all the same
    failed = replace(sheet, rows=(sheet.rows[0], _row(12, "12", ("o", "xx"), 3, "2.19"),
                                  sheet.rows[2]))
    assert field_board(FIELD, failed)["version"] != state["version"]
    assert field_board(FIELD, failed)["attempts"] == state["attempts"] + 1


def test_a_long_jump_shows_the_trial_of_the_athlete_up() -> None:
    sheet = FieldSheet(
        heat_id=7, event="Long jump", vertical=False, wind=True, heights=(), trials=6,
        up_next=22, final_round_order=(),
        rows=(_row(21, "21", ("8.11 (+0.3)", "x"), 1, "8.11"),
              _row(22, "22", ("x",), None, "")))
    state = field_board(replace(FIELD, event="Long jump", measure=Measure.DISTANCE), sheet)
    assert state["bar"] is None and state["trial"] == 2 and state["trials"] == 6
    assert state["wind_measured"] is True
    assert [(line["place"], line["best"]) for line in state["standings"]] == [
        (1, "8.11"), (None, "")]


def test_a_jump_off_names_its_bar_and_the_tied() -> None:
    sheet = FieldSheet(
        heat_id=7, event="High jump", vertical=True, wind=False, heights=(2370, 2390),
        trials=6, up_next=31, final_round_order=(),
        rows=(_row(31, "31", ("o", "xxx"), 1, "2.37"), _row(32, "32", ("o", "xxx"), 1, "2.37")),
        jump_off=JumpOffSheet(heights=(2390,), bar=2390, tied=(31, 32), to_jump=(31, 32),
                              winners=()))
    state = field_board(FIELD, sheet)
    assert state["bar"] == "2.39"
    assert state["jump_off"] == {"bar": "2.39", "tied": ["31", "32"], "winners": []}


def _documented() -> tuple[dict, dict]:
    """The JSON Schema and the example of docs/scoreboard.md (its two ```json blocks)."""
    text = (Path(__file__).resolve().parents[3] / "docs" / "scoreboard.md").read_text()
    blocks = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.S)]
    example = next(b for b in blocks if "$schema" not in b)
    return next(b for b in blocks if "$schema" in b), example


def test_states_and_the_documented_example_follow_the_documented_schema() -> None:
    schema, example = _documented()
    validator = jsonschema.Draft202012Validator(schema)
    jumper = _row(11, "11", ("o",), 1, "2.19")
    sheet = FieldSheet(heat_id=7, event="High jump", vertical=True, wind=False,
                       heights=(2190,), trials=6, rows=(jumper,), up_next=None,
                       final_round_order=())
    states = [example, race_board(HEAT, LANES, []),
              race_board(replace(HEAT, status=HeatStatus.STARTED, gun_time=GUN, wind=8), LANES,
                         [{"place": 1, "bib": "205", "name": "Bea Quick", "mark_text": "10.01",
                           "status": "OK", "records": ["PB"]}]),
              field_board(FIELD, sheet)]
    for state in states:
        validator.validate(state)
    assert not validator.is_valid({**states[1], "version": "not hex"})
    assert not validator.is_valid({**states[1], "results": [{"place": 1}]})
    assert set(example) == set(states[2])  # the example shows every field of a race
