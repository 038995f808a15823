from pathlib import Path

import pytest

from athsys.errors import ValidationError
from athsys.timing.formats.lynx_export import (
    LynxCompetitor,
    StartListHeat,
    StartListLane,
    parse_evt,
    write_evt,
    write_ppl,
    write_sch,
)

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).parent / "samples"

HEATS = (
    StartListHeat(
        3,
        1,
        1,
        "Girls 4x800 Relay Varsity",
        (
            StartListLane(lane=1, bib=None, last_name="Riverview", affiliation="RICO  A"),
            StartListLane(lane=2, bib=None, last_name="Grosse Ile", affiliation="GRIL  A"),
        ),
        distance="3200",
    ),
    StartListHeat(
        7,
        1,
        2,
        "Girls 100m Hurdles Varsity",
        (
            StartListLane(2, "698", "Gekle", "Abby", "Carleton Airport"),
            StartListLane(3, "868", "Lucarelli", "Ava", "Monroe, St. Mary CC"),
        ),
        distance="100",
    ),
)


def test_write_evt_matches_the_finishlynx_layout():
    assert write_evt(HEATS) == (SAMPLES / "lynx_start_list.evt").read_bytes().decode()


def test_evt_lines_exactly():
    lines = write_evt(HEATS).split("\r\n")
    assert lines[0] == "3,1,1,Girls 4x800 Relay Varsity,,,,,,3200"
    assert lines[1] == ",,1,Riverview,,RICO  A"  # relay: blank id, team as last name
    assert lines[4] == ",698,2,Gekle,Abby,Carleton Airport"
    assert lines[5] == ',868,3,Lucarelli,Ava,"Monroe, St. Mary CC"'
    assert lines[-1] == ""


def test_evt_round_trip():
    assert tuple(parse_evt(write_evt(HEATS))) == HEATS


def test_read_real_shaped_evt_sample():
    heats = parse_evt((SAMPLES / "lynx_start_list.evt").read_bytes())
    relay = heats[0].lanes[0]
    assert (relay.bib, relay.lane, relay.last_name, relay.first_name, relay.affiliation) == (
        None,
        1,
        "Riverview",
        "",
        "RICO  A",
    )
    assert heats[1].lanes[1].affiliation == "Monroe, St. Mary CC"


def test_heat_without_competitors_and_lane_without_number():
    heats = (
        StartListHeat(1, 1, 1, "Empty heat"),
        StartListHeat(2, 1, 1, "Mile", (StartListLane(None, "55", "Ngeno", "Ann", ""),)),
    )
    text = write_evt(heats)
    assert text.split("\r\n")[:3] == [
        "1,1,1,Empty heat,,,,,,",
        "2,1,1,Mile,,,,,,",
        ",55,,Ngeno,Ann,",
    ]
    assert tuple(parse_evt(text)) == heats


def test_write_ppl():
    text = write_ppl(
        [
            LynxCompetitor("698", "Gekle", "Abby", "Carleton Airport"),
            LynxCompetitor("868", "Lucarelli", "Ava", "Monroe, St. Mary CC"),
        ]
    )
    assert text == '698,Gekle,Abby,Carleton Airport\r\n868,Lucarelli,Ava,"Monroe, St. Mary CC"\r\n'


def test_write_sch_with_comment():
    assert write_sch(HEATS, comment="Saturday session") == (
        "; Saturday session\r\n3,1,1\r\n7,1,2\r\n"
    )
    assert write_sch(HEATS) == "3,1,1\r\n7,1,2\r\n"


def test_line_break_in_a_field_is_refused():
    with pytest.raises(ValidationError, match="line break"):
        write_ppl([LynxCompetitor("1", "Smith\nJones", "Ann")])
    with pytest.raises(ValidationError, match="line break"):
        write_sch(HEATS, comment="two\nlines")


def test_bad_evt_lines_are_all_reported():
    with pytest.raises(ValidationError) as info:
        parse_evt(",1,1,Smith,Ann,\nx,1,1,Mile\n1,1,1,Mile\n,2,L3,Jones,Bo,\n")
    assert [(e["line"], e["field"]) for e in info.value.details["errors"]] == [
        (1, "event"),
        (2, "event"),
        (4, "lane"),
    ]
