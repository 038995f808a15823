import pytest

from athsys.errors import ValidationError
from athsys.sport.ranking import (
    Placing,
    RaceResult,
    ResultStatus,
    rank_race,
    rank_with_ties,
)

pytestmark = pytest.mark.unit


def test_rank_with_ties_shares_places_and_skips() -> None:
    ranked = rank_with_ties([("a", 3), ("b", 1), ("c", 3), ("d", 2), ("e", 3), ("f", 9)],
                            key=lambda item: item[1])
    assert [(place, name) for place, (name, _) in ranked] == [
        (1, "b"), (2, "d"), (3, "a"), (3, "c"), (3, "e"), (6, "f"),
    ]


def test_rank_with_ties_higher_is_better_keeps_given_order_for_ties() -> None:
    ranked = rank_with_ties(["x", "yy", "zz", "w"], key=len, higher_is_better=True)
    assert ranked == [(1, "yy"), (1, "zz"), (3, "x"), (3, "w")]


def test_rank_with_ties_compares_tuples_element_by_element() -> None:
    ranked = rank_with_ties([(8410, 8090), (8410, 8150), (8210,)], key=lambda marks: marks,
                            higher_is_better=True)
    assert ranked == [(1, (8410, 8150)), (2, (8410, 8090)), (3, (8210,))]


def test_rank_with_ties_empty() -> None:
    assert rank_with_ties([], key=lambda item: item) == []


def test_tokyo_2020_mens_100m_final() -> None:
    # Published: Jacobs 9.80, Kerley 9.84, De Grasse 9.89 ... Hughes DQ (false start).
    results = [
        RaceResult("Hughes", None, ResultStatus.DQ),
        RaceResult("De Grasse", 9_890),
        RaceResult("Kerley", 9_840),
        RaceResult("Jacobs", 9_800),
        RaceResult("Baker", 9_950),
        RaceResult("Su", 9_980),
        RaceResult("Simbine", 9_930),
        RaceResult("Adegoke", None, ResultStatus.DNF),
    ]
    placings = rank_race(results)
    assert [(p.entry_id, p.place) for p in placings] == [
        ("Jacobs", 1), ("Kerley", 2), ("De Grasse", 3), ("Simbine", 4), ("Baker", 5),
        ("Su", 6), ("Adegoke", None), ("Hughes", None),
    ]
    assert placings[-1] == Placing("Hughes", None, None, ResultStatus.DQ)


def test_ties_at_the_thousandth_share_the_place_and_the_next_is_skipped() -> None:
    results = [
        RaceResult("A", 10_123),
        RaceResult("B", 10_121),
        RaceResult("C", 10_121),
        RaceResult("D", 10_130),
    ]
    assert [(p.entry_id, p.place) for p in rank_race(results)] == [
        ("B", 1), ("C", 1), ("A", 3), ("D", 4),
    ]


def test_same_hundredth_different_thousandth_is_not_a_tie() -> None:
    # Both publish as 10.13, but the photo finish separates them at 1/1000.
    placings = rank_race([RaceResult("A", 10_122), RaceResult("B", 10_121)])
    assert [(p.entry_id, p.place) for p in placings] == [("B", 1), ("A", 2)]


def test_non_finishers_follow_in_a_stable_order() -> None:
    results = [
        RaceResult("dns1", None, ResultStatus.DNS),
        RaceResult("dq1", 10_000, ResultStatus.DQ),
        RaceResult("nm1", None, ResultStatus.NM),
        RaceResult("dnf1", None, ResultStatus.DNF),
        RaceResult("dns2", None, ResultStatus.DNS),
        RaceResult("ok", 11_000),
        RaceResult("dnf2", None, ResultStatus.DNF),
    ]
    placings = rank_race(results)
    assert [p.entry_id for p in placings] == [
        "ok", "dnf1", "dnf2", "dq1", "nm1", "dns1", "dns2",
    ]
    assert [p.place for p in placings] == [1, None, None, None, None, None, None]
    # A disqualified athlete's time is kept on the line but earns no place.
    assert placings[3].time_ms == 10_000


def test_finisher_without_time_is_refused() -> None:
    with pytest.raises(ValidationError, match="entry 7: a finisher needs a time"):
        rank_race([RaceResult(7, None)])
    with pytest.raises(ValidationError, match="a finisher needs a time"):
        rank_race([RaceResult(7, -5)])


def test_duplicate_entry_is_refused() -> None:
    with pytest.raises(ValidationError, match="entry 3 appears twice in the race"):
        rank_race([RaceResult(3, 10_000), RaceResult(3, 10_100)])
