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


# --- the winner's delta: blank, zero, or the winner's own time (issue 16) ------------------

HEADER = "5,1,1,Men 100m Final,+1.2,m/s,AUTO,,,100,20:35:00.1234\n"


def lif_rows(*rows):
    return parse_lif(HEADER + "".join(row + "\n" for row in rows))


@pytest.mark.parametrize("winner_delta", ["", "0", "0.000", "10.43"])
@pytest.mark.parametrize(
    ("deltas", "convention"),
    [(("0.003", "0.074", "0.112"), DELTA_TO_WINNER),
     (("0.003", "0.071", "0.038"), DELTA_TO_PREVIOUS)],
)
def test_winner_delta_blank_zero_or_own_time_all_reconstruct(winner_delta, deltas, convention):
    parsed = lif_rows(
        f"1,101,4,Smith,John,Leeds,10.43,,{winner_delta},0.145",
        f"2,102,5,Jones,Tom,Bristol,10.44,,{deltas[0]},0.151",
        f"3,103,3,Brown,Ali,Cardiff,10.51,,{deltas[1]},0.139",
        f"4,104,6,White,Sam,Newport,10.54,,{deltas[2]},0.160",
    )
    assert parsed.heat.delta_convention == convention
    assert [r.precise_time_ms for r in parsed.results] == TRUE_TIMES[:4]


def test_winner_delta_holding_the_winners_time_to_the_thousandth_pins_it():
    """FinishLynx files where the winner's delta is the winner's full time: written to 1/1000
    it tells the winner's true time, which the hundredths alone leave open (10.421-10.430)."""
    parsed = lif_rows(
        "1,101,4,Smith,John,Leeds,10.43,,10.425,",
        "2,102,5,Jones,Tom,Bristol,10.44,,0.010,",
    )
    assert parsed.heat.delta_convention == DELTA_TO_WINNER
    assert [r.precise_time_ms for r in parsed.results] == [10_425, 10_435]


def test_winner_delta_that_is_neither_zero_nor_the_winners_time_gives_no_reconstruction():
    parsed = lif_rows(
        "1,101,4,Smith,John,Leeds,10.43,,0.120,",
        "2,102,5,Jones,Tom,Bristol,10.44,,0.003,",
    )
    assert parsed.heat.delta_convention is None
    assert [r.precise_time_ms for r in parsed.results] == [None, None]


def test_real_relay_file_with_the_winners_time_as_its_delta():
    """PrzemoWAkcji/Nowa_platforma 063-1-03.lif (SOURCES.md): winner's delta 55.39 = its time,
    the second team's 6.29 its gap; all in hundredths, so nothing finer is invented."""
    parsed = lif("lif_relay_4x100_full_layout.lif")
    winner, second, dns = parsed.results
    assert (winner.time_ms, winner.delta_ms, second.time_ms, second.delta_ms) == (
        55_390, 55_390, 61_680, 6_290)
    assert parsed.heat.delta_convention is None
    assert [r.precise_time_ms for r in parsed.results] == [None, None, None]
    assert dns.status == DNS and dns.last_name == "UKS Otrębusy"


def test_the_verbatim_relay_file_is_read_with_its_damaged_letter_shown():
    """The published file holds 0x19 where 'ę' (U+0119) was: the writer kept only the low
    byte. A stray control byte in text is damage, not binary: the file is read as the crew
    wrote it, the name shows U+FFFD where the letter was."""
    parsed = parse_lif((SAMPLES / "lif_relay_4x100_verbatim.lif").read_bytes())
    assert [(r.place, r.time_ms) for r in parsed.results] == [(1, 55_390), (2, 61_680),
                                                              (None, None)]
    assert parsed.results[2].last_name == "UKS Otr\ufffdbusy"


def test_binary_is_still_refused_and_a_damaged_number_names_its_line():
    png = (SAMPLES / "binary_upload.bin").read_bytes()
    assert "binary" in errors_of(png)[0]["problem"]
    assert "binary" in errors_of(b"1,1,1,Final\n" + bytes(range(1, 9)) * 20)[0]["problem"]
    damaged = (SAMPLES / "lif_relay_4x100_full_layout.lif").read_bytes().replace(
        b"55.39", b"55.\x193", 1)
    assert [(e["line"], e["field"]) for e in errors_of(damaged)] == [(2, "time")]


# --- splits and user fields, by position from the left (issue 16) --------------------------

FULL = ("{place},{bib},{lane},Runner,{bib},Club,{time},LIC{bib},{delta},0.2{lane}0,"
        "{splits},14:02:11.50,u1-{bib},u2-{bib},u3-{bib},{delta},{delta},7.12,2:20.4")


def test_real_file_with_every_field_has_no_split_and_its_time_trial_start_is_no_split():
    """19 columns: one empty split column, the time-trial start (the heat's start time of
    day), user 1-3, delta 2, delta 3, speed, pace. Counting splits from the end took the
    time-trial start for a split."""
    parsed = lif("lif_relay_4x100_full_layout.lif")
    assert [r.splits_ms for r in parsed.results] == [(), (), ()]
    assert [r.user_fields for r in parsed.results] == [("", "", "")] * 3


@pytest.mark.parametrize("trailing", ["", ",", ",,,,", ",extra,fields,beyond,user3,,"])
def test_full_layout_with_two_splits_and_any_trailing_columns(trailing):
    parsed = lif_rows(
        FULL.format(place=1, bib=301, lane=3, time="1:56.72", delta="1:56.72",
                    splits="56.10,1:56.72") + trailing,
        FULL.format(place=2, bib=302, lane=4, time="1:57.15", delta="0.43",
                    splits="56.51,1:57.15") + trailing,
        "DNF,303,5,Runner,303,Club,,LIC303,,0.215,58.02,,14:02:11.50,u1-303,,," + trailing,
    )
    first, second, dnf = parsed.results
    assert first.splits_ms == (56_100, 116_720) and second.splits_ms == (56_510, 117_150)
    assert dnf.splits_ms == (58_020,)  # a partial split of a runner who did not finish
    assert first.user_fields == ("u1-301", "u2-301", "u3-301")
    assert dnf.user_fields == ("u1-303", "", "")


def test_splits_then_a_blank_time_trial_start_then_user_fields():
    parsed = lif_rows(
        "1,301,3,A,B,C,1:56.72,,,,56.10,1:56.72,,team-a,,",
        "2,302,4,D,E,F,1:57.15,,0.43,,56.51,1:57.15,,team-b,second,",
    )
    assert [r.splits_ms for r in parsed.results] == [(56_100, 116_720), (56_510, 117_150)]
    assert [r.user_fields for r in parsed.results] == [("team-a", "", ""),
                                                       ("team-b", "second", "")]


def test_rows_cut_after_the_splits_or_before_them():
    """FinishLynx can write a file up to a chosen field (time, licence, delta, reaction time or
    splits); shorter rows still read."""
    parsed = lif_rows(
        "1,301,3,A,B,C,1:56.72,,,,56.10,1:56.72",
        "2,302,4,D,E,F,1:57.15",
        "3,303,5,G,H,I,1:58.00,,,,57.00",
    )
    assert [r.splits_ms for r in parsed.results] == [(56_100, 116_720), (), (57_000,)]
    assert [r.user_fields for r in parsed.results] == [("", "", "")] * 3


def test_a_split_later_than_the_time_ends_the_splits_and_is_the_time_trial_start():
    parsed = lif_rows("1,301,3,A,B,C,10.43,,,,10:30:00.00,x,y,z")
    (result,) = parsed.results
    assert result.splits_ms == () and result.user_fields == ("x", "y", "z")
