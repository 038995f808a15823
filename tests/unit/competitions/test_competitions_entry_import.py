"""Checking a CSV of entries: every bad row and field is named before anything is stored."""

from __future__ import annotations

from datetime import date

from athsys.competitions.entry_import import EventChoice, check_entries
from athsys.sport.sex import Sex

DAY = date(2026, 6, 14)
EVENTS = [
    EventChoice(1, "100m", Sex.FEMALE, "SEN", "Women 100 m"),
    EventChoice(2, "100m", Sex.MALE, "SEN", "Men 100 m"),
    EventChoice(3, "LJ", Sex.FEMALE, "SEN", "Women Long jump"),
    EventChoice(4, "LJ", Sex.FEMALE, "U18", "Women U18 Long jump"),
    EventChoice(5, "HJ", Sex.MALE, "U20", "Men U20 High jump"),
]
HEADER = "Bib,First name,Last name,Sex,Birth date,Club,Event code,Seed mark\n"


def test_good_rows_are_read_with_marks_in_their_units_and_bibs_assigned() -> None:
    check = check_entries(HEADER + (
        "7,Ana,Lopes,F,1999-03-02,HAC,100m,11.85\n"
        ",Ben,Okafor,M,01/02/2000,,100m,10.9\n"
        ",Cleo,Dunn,F,2010-05-05,HAC,LJ/U18,5.12\n"
    ), EVENTS, DAY, taken_bibs={"8"})
    assert check.ok, check.problems
    first, second, third = check.rows
    assert (first.bib, first.bib_assigned, first.seed_mark, first.seed_text) == (
        "7", False, 11850, "11.85")
    assert second.birth_date == date(2000, 2, 1) and second.seed_mark == 10900
    assert (second.bib, third.bib) == ("9", "10")  # after the highest bib, skipping taken ones
    assert third.event_id == 4 and third.seed_mark == 5120


def test_every_bad_row_and_field_is_named() -> None:
    check = check_entries(HEADER + (
        "1,Ana,Lopes,F,1999-03-02,,100m,11.85\n"  # good
        "2,Ben,Okafor,M,1999-13-40,,100m,10.90\n"  # bad date
        "1,Cleo,Dunn,F,1998-01-01,,100m,12.10\n"  # duplicate bib
        "4,Dora,Eze,F,1998-01-01,,800m,\n"  # unknown event
        "5,Eli,Fox,M,1998-01-01,,100m,6.45\n"  # a distance for a time: implausible
        "6,Fay,Gil,F,1998-01-01,,LJ/SEN,1:02.3\n"  # a time where metres are written
        "7,Gus,Hart,X,1998-01-01,,100m,\n"  # bad sex
        "8,Hal,Ives,M,1990-01-01,,HJ,\n"  # too old for U20
        "9,Ida,Jay,F,1998-01-01,,HJ,\n"  # a men's event
        "10,Ana,Lopes,F,1999-03-02,,100m,\n"  # entered twice
        "11,,Kerr,F,,,LJ/sen,\n"  # no first name
        "12,Lia,Moss,F,2009-01-01,,LJ,6.00\n"  # LJ: SEN and U18 both F -> ambiguous
    ), EVENTS, DAY, taken_bibs=())
    named = {(p.line, p.field) for p in check.problems}
    assert named == {(3, "birth_date"), (4, "bib"), (5, "event"), (6, "seed_mark"),
                     (7, "seed_mark"), (8, "sex"), (9, "event"), (10, "event"),
                     (11, "event"), (12, "first_name"), (13, "event")}, check.problems
    messages = {(p.line, p.field): p.message for p in check.problems}
    assert "line 2" in messages[(4, "bib")]
    assert "unknown event '800m'" in messages[(5, "event")]
    assert "for men" in messages[(10, "event")]
    assert "several age categories" in messages[(13, "event")]
    assert not check.ok


def test_a_header_without_the_required_columns_is_named() -> None:
    check = check_entries("bib,name\n1,Ana\n", EVENTS, DAY, taken_bibs=())
    assert [(p.line, p.field) for p in check.problems] == [(1, "header")]
    assert "first_name" in check.problems[0].message
    assert check_entries("", EVENTS, DAY, taken_bibs=()).problems[0].field == "file"


def test_a_bib_already_handed_out_is_refused_and_a_first_bib_is_followed() -> None:
    check = check_entries(HEADER + "5,Ana,Lopes,F,,,100m,\n,Ben,Okafor,M,,,100m,\n",
                          EVENTS, DAY, taken_bibs={"5"}, first_bib=100)
    assert [(p.line, p.field) for p in check.problems] == [(2, "bib")]
    assert [r.bib for r in check.rows] == ["100"]


RELAYS = [*EVENTS,
          EventChoice(6, "4x100m", Sex.FEMALE, "SEN", "Women 4 × 100 m relay"),
          EventChoice(7, "4x100m", Sex.MALE, "SEN", "Men 4 × 100 m relay"),
          EventChoice(8, "4x400mMix", Sex.MALE, "SEN", "Mixed 4 × 400 m relay")]
TEAM_HEADER = "Bib,First name,Last name,Sex,Birth date,Club,Team,Event,Seed mark\n"


def test_a_relay_team_is_a_row_with_a_club_and_a_team_name_and_no_athlete() -> None:
    check = check_entries(TEAM_HEADER + (
        "1,Ana,Lopes,F,1999-03-02,HAC,,100m,11.85\n"
        ",,,F,,HAC,HAC  A,4x100m,45.10\n"
        ",,,,,HAC,HAC Mixed,4x400mMix,3:25.00\n"  # one mixed relay: no sex needed
    ), RELAYS, DAY, taken_bibs=())
    assert check.ok, check.problems
    athlete, women, mixed = check.rows
    assert athlete.team == "" and athlete.event_id == 1
    assert (women.team, women.club, women.event_id, women.seed_mark, women.seed_text) == (
        "HAC A", "HAC", 6, 45_100, "45.10")
    assert (mixed.team, mixed.event_id, mixed.bib) == ("HAC Mixed", 8, "3")
    teams_only = check_entries("club,team,event\nHAC,HAC A,4x100m/SEN\n", RELAYS[5:6], DAY,
                               taken_bibs=())
    assert teams_only.ok and teams_only.rows[0].event_id == 6


def test_every_bad_relay_row_is_named() -> None:
    check = check_entries(TEAM_HEADER + (
        "1,,,F,,HAC,HAC A,4x100m,45.10\n"  # good
        "2,,,F,,,Lone A,4x100m,\n"  # no club
        "3,Ana,,F,,HAC,HAC B,4x100m,\n"  # an athlete's name on a team's row
        "4,,,F,,HAC,HAC C,100m,\n"  # not a relay
        "5,,,,,HAC,HAC D,4x100m,\n"  # women's and men's 4x100m: which?
        "6,Ben,Okafor,M,1999-01-01,,,4x100m,\n"  # an athlete in a relay
        "7,,,F,,HAC,hac a,4x100m,\n"  # the same team twice
        "8,,,F,,HAC,HAC E,4x100m,4.51\n"  # a seed mark no team runs
        "9,,,F,,HAC,Old A,4x100m,\n"  # already entered
    ), RELAYS, DAY, taken_bibs=(), taken_teams={(6, "old a")})
    messages = {(p.line, p.field): p.message for p in check.problems}
    assert set(messages) == {(3, "club"), (4, "first_name"), (5, "event"), (6, "event"),
                             (7, "event"), (8, "team"), (9, "seed_mark"), (10, "team")}
    assert "a relay team's club is required" in messages[(3, "club")]
    assert "not a relay" in messages[(5, "event")]
    assert "give the sex" in messages[(6, "event")]
    assert "is a relay: its row names the team" in messages[(7, "event")]
    assert "on line 2" in messages[(8, "team")]
    assert "already has a team named Old A" in messages[(10, "team")]
    assert [r.line for r in check.rows] == [2]


def test_a_seed_mark_that_misses_the_entry_standard_needs_a_waiver_in_the_row() -> None:
    standards = [EventChoice(1, "100m", Sex.FEMALE, "SEN", "Women 100 m", entry_standard=11_900),
                 EventChoice(6, "4x100m", Sex.FEMALE, "SEN", "Women 4x100 m",
                             entry_standard=46_000),
                 EventChoice(3, "LJ", Sex.FEMALE, "SEN", "Women Long jump",
                             entry_standard=6_000)]
    header = "Bib,First name,Last name,Sex,Club,Team,Event,Seed mark,Standard waiver\n"
    check = check_entries(header + (
        "1,Ana,Lopes,F,HAC,,100m,11.90,\n"  # equal meets it
        "2,Bea,Cruz,F,HAC,,100m,12.05,\n"  # misses, no reason
        "3,Cleo,Dunn,F,HAC,,100m,12.05,Host club's pick\n"  # misses, waived
        "4,Dora,Eze,F,HAC,,LJ,,\n"  # no seed mark against a standard
        "5,,,F,HAC,HAC A,4x100m,46.80,\n"  # a team that misses it
        "6,,,F,HAC,HAC B,4x100m,46.80,Regional champions\n"
        "7,Eva,Fox,F,HAC,,LJ,6.12,Not needed\n"  # meets it: the reason is not kept
    ), standards, DAY, taken_bibs=())
    messages = {(p.line, p.field): p.message for p in check.problems}
    assert set(messages) == {(3, "seed_mark"), (5, "seed_mark"), (6, "seed_mark")}
    assert messages[(3, "seed_mark")] == (
        "Women 100 m: the seed mark 12.05 misses the entry standard 11.90; a registrar may "
        "enter it anyway, writing the reason in a standard waiver column")
    assert "no seed mark to check against the entry standard 6.00" in messages[(5, "seed_mark")]
    assert "46.80 misses the entry standard 46.00" in messages[(6, "seed_mark")]
    kept = {r.line: r.standard_waiver for r in check.rows}
    assert kept == {2: "", 4: "Host club's pick", 7: "Regional champions", 8: ""}
