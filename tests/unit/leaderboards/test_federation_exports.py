"""The federation and statistics exports against their published layouts and our fixtures.

A small meet (two heats of a 100 m with a tie, a hand time and a DNF; a long jump with a
no-mark; a decathlon) is written in every format and compared with the files in
``tests/fixtures/exports`` (reviewed by hand against the sources named in SOURCES.md there),
then read back with :mod:`csv` / :mod:`json` to the values it came from.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from athsys.leaderboards import exports, federation
from athsys.spreadsheet import FORMULA_TRIGGERS

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "exports"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "results-json.md"
SCHEMA = json.loads((DOCS.parent / "results-json.schema.json").read_text())

COMPETITION = {"id": 7, "name": "Summer Open", "venue": "City Stadium",
               "start_date": "2025-06-01", "end_date": "2025-06-02",
               "time_zone": "Europe/London", "indoor": False, "altitude_m": 35,
               "championship": "County Championships", "status": "official"}


def _heat(heat_id: int, round_id: int, number: int, wind: str | None) -> dict[str, Any]:
    return {"id": heat_id, "round_id": round_id, "number": number, "name": None,
            "status": "official", "hand_timed": False, "wind": wind,
            "scheduled_start": "2025-06-01T18:00:00+01:00",
            "gun_time": "2025-06-01T18:01:02.500+01:00"}


HEATS = {11: _heat(11, 21, 1, "+0.8"), 12: _heat(12, 21, 2, "-0.4"), 13: _heat(13, 22, 1, None)}


def _line(entry_id: int, bib: str, first: str, last: str, *, place: int | None,
          mark: int | None, text: str, status: str = "OK", heat: int | None = 1,
          heat_id: int | None = 11, wind: str | None = None, sex: str = "F",
          hand: bool = False, records: tuple[str, ...] = (), tied: bool = False,
          gap: int | None = None, gap_text: str = "") -> dict[str, Any]:
    return {"entry_id": entry_id, "bib": bib, "name": f"{first} {last}", "first_name": first,
            "last_name": last, "club": "HAR", "club_name": "Harriers AC", "sex": sex,
            "category": "SEN", "heat_id": heat_id, "heat": heat, "mark": mark,
            "status": status, "net_mark": None, "wind": wind, "revision": 1, "official": True,
            "records": list(records), "conditions": [], "grade": None, "mark_text": text,
            "net_text": None, "hand_timed": hand, "place": place, "tied": tied, "gap": gap,
            "gap_text": gap_text}


SPRINT = {"id": 1, "number": 1, "name": "100 m Women", "discipline": "100m", "kind": "track",
          "sex": "F", "age_category": "SEN", "measure": "time", "road": False,
          "combined": False, "wind_measured": True, "round_id": 21, "round": "heat",
          "heats": [HEATS[11], HEATS[12]]}
SPRINT_LINES = [
    _line(1, "7", "Ann", "Lee", place=1, mark=11_071, text="11.08", wind="+1.2",
          records=("MR", "PB"), gap=0),
    _line(2, "12", "Cat", "Dow", place=2, mark=11_200, text="11.20", heat=2, heat_id=12,
          tied=True, gap=129, gap_text="+0.12"),
    _line(3, "15", "Eve", "Fox", place=2, mark=11_200, text="11.20", tied=True, gap=129,
          gap_text="+0.12"),
    _line(4, "21", "Gil", "Ho", place=4, mark=11_400, text="11.4h", heat=2, heat_id=12,
          hand=True, gap=329, gap_text="+0.3"),
    _line(5, "9", "Bo", "Kim", place=None, mark=None, text="DNF", status="DNF"),
]
JUMP = {"id": 2, "number": 2, "name": "Long Jump Men", "discipline": "LJ", "kind": "field",
        "sex": "M", "age_category": "SEN", "measure": "distance", "road": False,
        "combined": False, "wind_measured": True, "round_id": 22, "round": "final",
        "heats": [HEATS[13]]}
JUMP_LINES = [
    _line(6, "31", "Dan", "Orr", place=1, mark=7_450, text="7.45", heat_id=13, wind="+2.3",
          sex="M", gap=0),
    _line(7, "33", "Raj", "Sen", place=None, mark=None, text="NM", status="NM", heat_id=13,
          sex="M"),
]
DECATHLON = {"id": 3, "number": 3, "name": "Decathlon Men", "discipline": "DEC",
             "kind": "combined", "sex": "M", "age_category": "SEN", "measure": "points",
             "road": False, "combined": True, "wind_measured": False, "round_id": 23,
             "round": "final", "heats": []}
DECATHLON_LINES = [
    _line(8, "41", "Tom", "Ek", place=1, mark=1_919, text="1919", heat=None, heat_id=None,
          sex="M", gap=0),
]
DETAILS = {
    (11, 1): {"lane": 4, "reaction_time": 142, "qualification": "Q", "status_rule": None,
              "source": "lif"},
    (12, 4): {"lane": 3, "reaction_time": None, "qualification": None, "status_rule": None,
              "source": "manual"},
    (11, 5): {"lane": 6, "reaction_time": 155, "qualification": None, "status_rule": None,
              "source": "lif"},
}
DECATHLON_SCORES = {8: [{"event": "100m", "mark": 10_550, "points": 975},
                        {"event": "LJ", "mark": 7_450, "points": 944}]}


def meet() -> list[federation.Board]:
    return [
        (SPRINT, federation.enrich(SPRINT, SPRINT_LINES, HEATS, DETAILS)),
        (JUMP, federation.enrich(JUMP, JUMP_LINES, HEATS, DETAILS)),
        (DECATHLON, federation.enrich(DECATHLON, DECATHLON_LINES, HEATS, DETAILS,
                                      DECATHLON_SCORES)),
    ]


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def _rows(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


# -- what exports add ----------------------------------------------------------------------


def test_heat_places_rank_within_each_heat_with_shared_board_places():
    assert federation.heat_places(SPRINT_LINES) == [1, 1, 2, 2, None]
    assert federation.heat_places(DECATHLON_LINES) == [None]  # a combined total: no heat
    tie_in_heat = [{"heat_id": 1, "place": 1}, {"heat_id": 1, "place": 1},
                   {"heat_id": 1, "place": 3}, {"heat_id": 2, "place": 2}]
    assert federation.heat_places(tie_in_heat) == [1, 1, 3, 1]
    marathon = [{"heat_id": 1, "place": place} for place in range(1, 50_001)]
    assert federation.heat_places(marathon)[-1] == 50_000  # and quickly


def test_enrich_takes_the_race_wind_only_for_a_track_finisher_without_one():
    enriched = federation.enrich(SPRINT, SPRINT_LINES, HEATS, DETAILS)
    assert [line["wind"] for line in enriched] == ["+1.2", "-0.4", "+0.8", "-0.4", None]
    assert [line["points"] for line in enriched] == [None] * 5
    # a field event: the wind is each attempt's, never the flight's
    jump = federation.enrich(JUMP, [{**JUMP_LINES[0], "wind": None}],
                             {13: _heat(13, 22, 1, "+1.0")})
    assert jump[0]["wind"] is None
    road = federation.enrich({**SPRINT, "road": True}, SPRINT_LINES[1:2], HEATS)
    assert road[0]["wind"] is None
    still = federation.enrich({**SPRINT, "discipline": "800m", "wind_measured": False},
                              SPRINT_LINES[1:2], HEATS)
    assert still[0]["wind"] is None  # no wind is measured in an 800 m
    # a wind-assisted race: its finishers' marks are "w" (no record), unless already marked
    gusty = {12: _heat(12, 21, 2, "+2.1")}
    assisted = federation.enrich(SPRINT, [SPRINT_LINES[1], {**SPRINT_LINES[3],
                                                            "conditions": ["w", "A"]}], gusty)
    assert [(line["wind"], line["conditions"]) for line in assisted] == [
        ("+2.1", ["w"]), ("+2.1", ["w", "A"])]
    legal = federation.enrich(SPRINT, SPRINT_LINES[1:2], {12: _heat(12, 21, 2, "+2.0")})
    assert legal[0]["conditions"] == []
    assert [(line["lane"], line["reaction_time"], line["qualification"], line["source"])
            for line in enriched[:2]] == [(4, 142, "Q", "lif"), (None, None, None, None)]
    combined = federation.enrich(DECATHLON, DECATHLON_LINES, HEATS, None, DECATHLON_SCORES)
    assert combined[0]["points"] == 1_919 and combined[0]["wind"] is None
    assert combined[0]["combined_events"][1] == {"event": "LJ", "mark": 7_450, "points": 944}


# -- each format against its fixture, then read back ---------------------------------------


@pytest.mark.parametrize(("name", "write"), [
    ("hytek-results.txt", lambda boards: exports.hytek_semicolon(boards)),
    ("athletic-net.csv", federation.athletic_net_csv),
    ("tfrrs.csv", federation.tfrrs_csv),
    ("power-of-10.csv", federation.power_of_10_csv),
    ("results.json", lambda boards: json.dumps(
        federation.results_document(COMPETITION, boards), indent=1, ensure_ascii=False) + "\n"),
])
def test_each_format_matches_its_fixture(name, write):
    assert write(meet()) == _fixture(name)


def test_hytek_adds_wind_heat_place_and_combined_points_last():
    rows = _rows(exports.hytek_semicolon(meet()), ";")
    assert len(rows) == 8 and {len(row) for row in rows} == {len(exports.HYTEK_FIELDS)}
    by_bib = {row[7]: dict(zip(exports.HYTEK_FIELDS, row, strict=True)) for row in rows}
    assert (by_bib["15"]["wind"], by_bib["15"]["heat_place"], by_bib["15"]["place"]) == (
        "+0.8", "2", "2")
    assert (by_bib["12"]["wind"], by_bib["12"]["heat_place"]) == ("-0.4", "1")
    assert (by_bib["41"]["mark"], by_bib["41"]["points"], by_bib["41"]["wind"]) == (
        "1919", "1919", "")
    assert (by_bib["9"]["place"], by_bib["9"]["mark"], by_bib["9"]["heat_place"]) == (
        "", "DNF", "")


#: Athletic.net's guide: times ``HH:MM:SS.HH`` with leading zeros trimmed, ``10.1`` a hand
#: time and ``10.11`` fully automatic; marks in metres ``MMM.cc``; DQ/DNF in the time column.
ANET_TIME = re.compile(r"(?:\d{1,2}:)?(?:\d{1,2}:)?\d{1,2}\.\d{1,2}|DNF|DQ|DNS|NM|\d+")


def test_athletic_net_follows_the_delimited_format_guide():
    text = federation.athletic_net_csv(meet())
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    # the guide's required headings, and its recommended ones
    assert {"FirstName", "LastName", "Team", "Time", "Gender", "Place", "Grade"} <= set(
        rows[0])
    assert all(ANET_TIME.fullmatch(row["Time"]) for row in rows), [r["Time"] for r in rows]
    by_last = {row["LastName"]: row for row in rows}
    assert by_last["Ho"]["Time"] == "11.4"  # a hand time: one decimal, no "h"
    assert by_last["Lee"]["Time"] == "11.08"
    assert by_last["Orr"]["Time"] == "7.45" and by_last["Orr"]["Wind"] == "+2.3"
    assert (by_last["Kim"]["Place"], by_last["Kim"]["Time"]) == ("", "DNF")
    assert by_last["Ek"]["Time"] == "1919"  # a combined event: its points
    # read back: every athlete, in board order, with team and gender
    assert [(r["FirstName"], r["Team"], r["Gender"]) for r in rows][:2] == [
        ("Ann", "Harriers AC", "F"), ("Cat", "Harriers AC", "F")]


def test_tfrrs_and_power_of_10_read_back_to_the_lines():
    tfrrs = list(csv.DictReader(io.StringIO(federation.tfrrs_csv(meet()), newline="")))
    assert list(tfrrs[0]) == list(federation.TFRRS_COLUMNS)
    assert [(r["LAST"], r["PLACE"], r["HEAT_PLACE"], r["MARK"], r["WIND"]) for r in tfrrs[:5]] \
        == [("Lee", "1", "1", "11.08", "+1.2"), ("Dow", "2", "1", "11.20", "-0.4"),
            ("Fox", "2", "2", "11.20", "+0.8"), ("Ho", "4", "2", "11.4h", "-0.4"),
            ("Kim", "", "", "DNF", "")]
    assert tfrrs[0]["ROUND"] == "Prelims" and tfrrs[5]["ROUND"] == "Finals"
    po10 = list(csv.DictReader(io.StringIO(federation.power_of_10_csv(meet()), newline="")))
    assert list(po10[0]) == list(federation.POWER_OF_10_COLUMNS)
    assert [(r["Race"], r["Pos"], r["Perf"]) for r in po10] == [
        ("h1", "1", "11.08"), ("h2", "2", "11.20"), ("h1", "2", "11.20"), ("h2", "4", "11.4h"),
        ("h1", "", "DNF"), ("f", "1", "7.45"), ("f", "", "NM"), ("f", "1", "1919")]
    assert po10[0]["Notes"] == "MR PB"


def test_json_results_file_round_trips_and_documents_every_field():
    document = json.loads(json.dumps(federation.results_document(COMPETITION, meet())))
    assert document["format"] == "athsys-results" and document["version"] == 1
    lines = document["events"][0]["results"]
    assert [line["heat_place"] for line in lines] == [1, 1, 2, 2, None]
    assert lines[3]["mark_text"] == "11.4h" and lines[3]["hand_timed"] is True
    assert document["events"][2]["results"][0]["combined_events"][0]["points"] == 975
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", DOCS.read_text(), flags=re.MULTILINE))
    used = (set(document) | set(document["competition"]) | set(document["events"][0])
            | set(document["events"][0]["heats"][0]) | set(lines[0])
            | set(document["events"][2]["results"][0]["combined_events"][0]))
    assert used - documented == set(), "fields missing from docs/results-json.md"
    assert documented - used == set(), "docs/results-json.md names fields the file lacks"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(document)


@pytest.mark.parametrize(("where", "change"), [
    (lambda d: d, lambda d: d.pop("version")),
    (lambda d: d["events"][0]["results"][0], lambda line: line.update(extra=1)),
    (lambda d: d["events"][0]["results"][0], lambda line: line.update(wind="1.2")),
    (lambda d: d["events"][0]["results"][0], lambda line: line.update(status="DSQ")),
    (lambda d: d["events"][2]["results"][0]["combined_events"][0],
     lambda score: score.pop("points")),
])
def test_json_schema_refuses_a_changed_document(where, change):
    document = json.loads(json.dumps(federation.results_document(COMPETITION, meet())))
    change(where(document))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(document)


HOSTILE = ('=HYPERLINK("http://evil.example","x")', "+SUM(1+1)", "@SUM(A1:A9)",
           "-2+3+cmd|' /C calc'!A0")


@pytest.mark.parametrize("write", [federation.athletic_net_csv, federation.tfrrs_csv,
                                   federation.power_of_10_csv])
def test_new_csv_exports_are_formula_safe(write):
    lines = [{**SPRINT_LINES[0], "first_name": formula, "last_name": formula, "club": formula,
              "club_name": formula} for formula in HOSTILE]
    event = {**SPRINT, "name": "=1+1"}
    rows = _rows(write([(event, federation.enrich(event, lines, HEATS))]))
    cells = [cell for row in rows[1:] for cell in row]
    assert any(cell.startswith("'=HYPERLINK(") for cell in cells)
    assert all(not cell or cell[0] not in FORMULA_TRIGGERS
               or re.fullmatch(r"[+-][0-9][0-9.,:]*", cell) for cell in cells), cells
