from pathlib import Path

import pytest

from athsys.errors import ValidationError
from athsys.timing.formats.lif import (
    DELTA_TO_PREVIOUS,
    DELTA_TO_WINNER,
    DNF,
    DNS,
    DQ,
    OK,
    parse_lif,
    parse_race_time,
)

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).parent / "samples"
TRUE_TIMES = [10_428, 10_431, 10_502, 10_540, 10_561]


def lif(name):
    return parse_lif((SAMPLES / name).read_bytes())


def errors_of(body):
    with pytest.raises(ValidationError) as info:
        parse_lif(body)
    return info.value.details["errors"]


def round_up_to_hundredths(ms):
    return -(-ms // 10) * 10


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.43", (10_430, 2)),
        ("10.428", (10_428, 3)),
        ("9.58", (9_580, 2)),
        ("1:45.123", (105_123, 3)),
        ("2:09:44", (7_784_000, 0)),
        ("10.4", (10_400, 1)),
    ],
)
def test_race_times_are_integers_from_the_start(value, expected):
    assert parse_race_time(value) == expected


@pytest.mark.parametrize("value", ["1:75.00", "1:05:60", "10.4281", "ten", "10,43", ""])
def test_bad_race_times(value):
    with pytest.raises(ValueError):
        parse_race_time(value)


def test_header_and_statuses():
    parsed = lif("lif_hundredths_delta_to_winner.lif")
    heat = parsed.heat
    assert (heat.event, heat.round, heat.heat, heat.name) == (5, 1, 1, "Men 100m Final")
    assert (heat.wind_tenths, heat.wind_unit, heat.distance) == (12, "m/s", "100")
    assert heat.start_ms == ((20 * 60 + 35) * 60) * 1000 + 123
    results = parsed.results
    assert len(results) == 8  # the trailing line of empty fields is no competitor
    assert [r.status for r in results] == [OK] * 5 + [DNF, DQ, DNS]
    assert [r.place for r in results] == [1, 2, 3, 4, 5, None, None, None]
    assert results[6].dq_rule == "R162.7"
    winner = results[0]
    assert (winner.bib, winner.lane, winner.last_name, winner.first_name) == (
        "101",
        4,
        "Smith",
        "John",
    )
    assert winner.affiliation == "Harriers, Leeds"  # quoted field holding a comma
    assert (winner.time_ms, winner.reaction_ms, winner.delta_ms) == (10_430, 145, 0)
    assert results[5].time_ms is None and results[5].precise_time_ms is None


@pytest.mark.parametrize(
    ("name", "convention"),
    [
        ("lif_hundredths_delta_to_winner.lif", DELTA_TO_WINNER),
        ("lif_hundredths_delta_to_previous.lif", DELTA_TO_PREVIOUS),
    ],
)
def test_thousandths_are_reconstructed_under_both_delta_conventions(name, convention):
    parsed = lif(name)
    assert parsed.heat.delta_convention == convention
    finishers = [r for r in parsed.results if r.status == OK]
    assert [r.time_ms for r in finishers] == [10_430, 10_440, 10_510, 10_540, 10_570]
    assert [r.precise_time_ms for r in finishers] == TRUE_TIMES
    assert all(round_up_to_hundredths(r.precise_time_ms) == r.time_ms for r in finishers)


def test_paris_2024_100m_final_in_thousandths():
    # Lyles 9.784 and Thompson 9.789: both published 9.79, the tie broken at 1/1000.
    parsed = lif("lif_paris2024_100m_thousandths.lif")
    lyles, thompson = parsed.results
    assert parsed.heat.wind_tenths == 10
    assert (lyles.precise_time_ms, thompson.precise_time_ms) == (9_784, 9_789)
    assert round_up_to_hundredths(lyles.precise_time_ms) == 9_790
    assert round_up_to_hundredths(thompson.precise_time_ms) == 9_790
    assert parsed.heat.delta_convention is None


def test_paris_2024_100m_final_published_in_hundredths_keeps_the_order():
    lyles, thompson = lif("lif_paris2024_100m_hundredths.lif").results
    assert lyles.time_ms == thompson.time_ms == 9_790
    # The winner's own thousandths are unknowable: 9.781..9.785 all fit the file. The latest
    # is taken; the 0.005 gap (the tie-break) and the published hundredths are kept.
    assert (lyles.precise_time_ms, thompson.precise_time_ms) == (9_785, 9_790)


def test_delta_in_hundredths_is_not_used_to_invent_thousandths():
    parsed = lif("lif_800m_splits.lif")
    assert parsed.heat.delta_convention is None
    assert [r.precise_time_ms for r in parsed.results] == [None, None]
    assert [r.time_ms for r in parsed.results] == [116_720, 117_150]


def test_splits_licence_and_start_time():
    parsed = lif("lif_800m_splits.lif")
    first = parsed.results[0]
    assert first.splits_ms == (56_100, 116_720)
    assert first.licence == "LIC1"
    assert parsed.heat.start_ms == (14 * 3600 + 2 * 60 + 11) * 1000 + 500
    assert parsed.heat.wind_tenths is None


def test_inconsistent_deltas_give_no_reconstruction():
    body = "1,1,1,100m\n1,1,1,A,B,C,10.43,,,\n2,2,2,D,E,F,10.44,,0.200,\n"
    parsed = parse_lif(body)
    assert parsed.heat.delta_convention is None
    assert [r.precise_time_ms for r in parsed.results] == [None, None]


def test_missing_header():
    errors = errors_of((SAMPLES / "lif_missing_header.lif").read_text())
    assert errors == [
        {
            "line": 1,
            "field": None,
            "problem": "missing header: the first line must be 'event,round,heat,name,wind,…'",
        }
    ]


def test_every_bad_line_is_named():
    errors = errors_of((SAMPLES / "lif_bad_lines.lif").read_bytes())
    assert [(e["line"], e["field"]) for e in errors] == [(2, "time"), (3, "time"), (4, "place")]
    assert "'ten point four' is not a time" in errors[0]["problem"]
    assert errors[1]["problem"] == "place 2 without a time"
    assert "unknown place code 'XYZ'" in errors[2]["problem"]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("1,1,1,100m,+1.25,m/s", "wind"),
        ("1,1,1,100m,gusty,m/s", "wind"),
        ("1,1,1,100m,,,,,,100,25:00:00", "start_time"),
    ],
)
def test_bad_header_fields(header, field):
    errors = errors_of(header + "\n1,101,4,A,B,C,10.43\n")
    assert (errors[0]["line"], errors[0]["field"]) == (1, field)


@pytest.mark.parametrize(("wind", "tenths"), [("NWI", None), ("-0.3", -3), ("0.0", 0), ("2", 20)])
def test_wind_readings(wind, tenths):
    assert parse_lif(f"1,1,1,100m,{wind},m/s\n").heat.wind_tenths == tenths


def test_bad_lane_and_delta():
    errors = errors_of("1,1,1,100m\n1,101,X,A,B,C,10.43,,fast,\n")
    assert [(e["line"], e["field"]) for e in errors] == [(2, "lane"), (2, "delta")]


def test_binary_file():
    with pytest.raises(ValidationError, match="binary"):
        parse_lif((SAMPLES / "binary_upload.bin").read_bytes())


def test_empty_file():
    with pytest.raises(ValidationError, match="empty"):
        parse_lif("\r\n\r\n")


def test_a_lynx_start_list_is_refused_as_a_start_list():
    """lynx_start_list.evt: a real start list (see test_timing_lynx_export.py)."""
    with pytest.raises(ValidationError, match="this is a lynx.evt start list") as refused:
        parse_lif((SAMPLES / "lynx_start_list.evt").read_bytes())
    assert "line 2" in refused.value.message


def test_a_result_file_with_unplaced_rows_is_not_taken_for_a_start_list():
    body = ("1,1,1,100m Men,+0.3\n"
            "1,101,4,Smith,John,Club,10.43\n"
            ",102,5,Brown,Tom,Club,DNF\n")
    assert [(r.bib, r.status, r.time_ms) for r in parse_lif(body).results] == [
        ("101", "OK", 10430), ("102", "DNF", None)]


@pytest.mark.parametrize(("place", "time", "status", "rule"), [
    ("DNS", "", "DNS", None),  # in the place column
    ("", "DNS", "DNS", None),  # in the time column, the place left blank
    ("", "DQ R163.3a", "DQ", "R163.3a"),
    ("DQ", "DQ", "DQ", None),
    ("AB", "", "DNF", None),  # French: abandon
    ("", "NP", "DNS", None),  # French non partant, Italian non partito
    ("NA", "NA", "DNF", None),  # Italian: non arrivato
    ("", "dsq", "DQ", None),
    ("NM", "", "NM", None),
])
def test_statuses_in_either_column_and_other_languages(place, time, status, rule):
    body = ("1,1,1,100m Men,+0.3\n1,101,4,Smith,John,Club,10.43\n"
            f"{place},102,5,Brown,Tom,Club,{time}\n")
    unplaced = parse_lif(body).results[1]
    assert (unplaced.place, unplaced.status, unplaced.dq_rule, unplaced.time_ms) == (
        None, status, rule, None)


def test_a_blank_place_with_a_time_is_still_refused():
    with pytest.raises(ValidationError, match="unknown place code ''"):
        parse_lif("1,1,1,100m Men\n,102,5,Brown,Tom,Club,10.55\n")


def test_a_start_list_row_with_its_fields_shifted_is_refused_naming_the_row():
    from athsys.timing.formats.lynx_export import parse_evt

    body = "7,1,2,Girls 100m Hurdles\n,698,2,Gekle,Abby,Carleton\n,,,,,Monroe\n"
    with pytest.raises(ValidationError, match="line 3.*no id, lane or name"):
        parse_evt(body)
