import pytest

from athsys.competitions.advancement import Qualification, advance
from athsys.errors import ValidationError
from athsys.sport.ranking import RaceResult, ResultStatus

pytestmark = pytest.mark.unit

Q, q = Qualification.BY_PLACE, Qualification.BY_TIME


def tokyo_2020_mens_100m_semi_finals() -> list[list[RaceResult]]:
    """Tokyo 2020 men's 100 m semi-finals (1 August 2021), first 2 (Q) + 2 fastest (q).

    Published times; the athletes whose times were not reported are left out. Adegoke and
    Bromell both ran 10.00 and the photo finish put Adegoke second: the reports give no
    thousandths, so 9.995 and 9.998 stand for "both 10.00, Adegoke ahead".
    """
    return [
        [
            RaceResult("Kerley", 9_960),
            RaceResult("De Grasse", 9_980),
            RaceResult("Leotlela", 10_030),
            RaceResult("Blake", 10_140),
            RaceResult("Prescod", None, ResultStatus.DQ),
        ],
        [
            RaceResult("Bromell", 9_998),
            RaceResult("Hughes", 9_980),
            RaceResult("Maswanganyi", 10_100),
            RaceResult("Adegoke", 9_995),
        ],
        [
            RaceResult("Simbine", 9_900),
            RaceResult("Su", 9_830),
            RaceResult("Jacobs", 9_840),
            RaceResult("Baker", 9_830),
        ],
    ]


def test_tokyo_2020_mens_100m_semi_finals_give_the_published_final() -> None:
    outcome = advance(tokyo_2020_mens_100m_semi_finals(), by_place=2, by_time=2, seed=1)
    assert {entry for entry, mark in outcome.items() if mark is Q} == {
        "Kerley", "De Grasse", "Hughes", "Adegoke", "Su", "Baker",
    }
    assert {entry for entry, mark in outcome.items() if mark is q} == {"Jacobs", "Simbine"}
    # Bromell (10.00, third on the photo finish) was the favourite and went out.
    assert outcome["Bromell"] is None
    assert outcome["Prescod"] is None
    assert len(outcome) == 13


def test_ties_for_first_both_take_their_q_places() -> None:
    heats = [[RaceResult("A", 10_000), RaceResult("B", 10_000), RaceResult("C", 10_010)]]
    assert advance(heats, by_place=2, by_time=0, seed=0) == {"A": Q, "B": Q, "C": None}


def tie_for_the_last_time_spot() -> list[list[RaceResult]]:
    return [
        [RaceResult("A1", 10_100), RaceResult("A2", 10_200), RaceResult("A3", 10_305)],
        [RaceResult("B1", 10_150), RaceResult("B2", 10_250), RaceResult("B3", 10_305)],
        [RaceResult("C1", 10_120), RaceResult("C2", 10_220), RaceResult("C3", 10_290)],
    ]


def test_tie_at_the_thousandth_for_last_q_both_advance_when_the_round_allows() -> None:
    outcome = advance(tie_for_the_last_time_spot(), by_place=2, by_time=2, seed=5,
                      ties_both_advance=True)
    assert {entry for entry, mark in outcome.items() if mark is q} == {"C3", "A3", "B3"}


def test_tie_at_the_thousandth_for_last_q_otherwise_drawn_by_lot() -> None:
    drawn = set()
    for seed in range(20):
        outcome = advance(tie_for_the_last_time_spot(), by_place=2, by_time=2, seed=seed)
        time_qualifiers = {entry for entry, mark in outcome.items() if mark is q}
        assert "C3" in time_qualifiers and len(time_qualifiers) == 2
        drawn |= time_qualifiers - {"C3"}
        # The same seed draws the same lot.
        assert advance(tie_for_the_last_time_spot(), by_place=2, by_time=2, seed=seed) == outcome
    assert drawn == {"A3", "B3"}


def test_tie_for_last_q_goes_through_on_a_spare_lane_and_a_three_way_tie_for_one() -> None:
    outcome = advance(tie_for_the_last_time_spot(), by_place=2, by_time=2, seed=5,
                      spare_places=1)  # 6 + 2 qualifiers, 9 lanes: both tied athletes go
    assert {entry for entry, mark in outcome.items() if mark is q} == {"C3", "A3", "B3"}
    heats = [[RaceResult("A1", 10_100), RaceResult("A2", 10_300)],
             [RaceResult("B1", 10_100), RaceResult("B2", 10_300)],
             [RaceResult("C1", 10_100), RaceResult("C2", 10_300)]]
    outcome = advance(heats, by_place=1, by_time=1, seed=3, spare_places=1)
    # three tied for one q place and one spare lane: they do not fit, the lot takes one
    assert sum(mark is q for mark in outcome.values()) == 1


def test_same_hundredth_is_not_a_tie() -> None:
    # Both publish as 10.31; the thousandth decides without a lot.
    heats = tie_for_the_last_time_spot()
    heats[1][2] = RaceResult("B3", 10_306)
    for seed in range(5):
        outcome = advance(heats, by_place=2, by_time=2, seed=seed)
        assert outcome["A3"] is q and outcome["B3"] is None


def tie_for_second_place_in_a_heat() -> list[list[RaceResult]]:
    return [
        [RaceResult("A1", 10_100), RaceResult("A2", 10_200), RaceResult("A3", 10_200),
         RaceResult("A4", 10_400)],
        [RaceResult("B1", 10_150), RaceResult("B2", 10_250), RaceResult("B3", 10_350)],
    ]


def test_a_kept_tie_for_the_last_q_place_takes_a_q_place() -> None:
    """Book C2.1, notes to the progression tables: a tie for the last qualifying place by
    position that is kept means one less athlete progresses on time."""
    outcome = advance(tie_for_second_place_in_a_heat(), by_place=2, by_time=1, seed=0,
                      ties_both_advance=True)
    assert outcome == {"A1": Q, "A2": Q, "A3": Q, "A4": None, "B1": Q, "B2": Q, "B3": None}
    two_time_places = advance(tie_for_second_place_in_a_heat(), by_place=2, by_time=2,
                              seed=0, ties_both_advance=True)
    assert two_time_places["B3"] is q and two_time_places["A4"] is None


def test_time_qualifiers_are_ranked_by_time_alone_not_by_heat_place() -> None:
    # A3 was third in a fast heat, B2 second in a slow one: the faster time goes through.
    heats = [
        [RaceResult("A1", 10_000), RaceResult("A2", 10_050), RaceResult("A3", 10_090)],
        [RaceResult("B1", 10_300), RaceResult("B2", 10_400), RaceResult("B3", 10_500)],
    ]
    outcome = advance(heats, by_place=1, by_time=2, seed=0)
    assert outcome == {"A1": Q, "A2": q, "A3": q, "B1": Q, "B2": None, "B3": None}


def test_tie_for_the_last_q_place_by_lot_the_loser_can_still_go_on_time() -> None:
    winners = set()
    for seed in range(20):
        outcome = advance(tie_for_second_place_in_a_heat(), by_place=2, by_time=1, seed=seed)
        by_place = {entry for entry, mark in outcome.items() if mark is Q}
        assert len(by_place) == 4 and {"A1", "B1", "B2"} <= by_place
        loser = ({"A2", "A3"} - by_place).pop()
        # 10.200 beats B3's 10.350 for the one q place.
        assert outcome[loser] is q and outcome["B3"] is None
        winners |= by_place & {"A2", "A3"}
    assert winners == {"A2", "A3"}


def test_non_finishers_never_qualify() -> None:
    heats = [
        [RaceResult("A1", 10_100), RaceResult("A2", None, ResultStatus.DNF),
         RaceResult("A3", 9_900, ResultStatus.DQ), RaceResult("A4", None, ResultStatus.DNS)],
        [RaceResult("B1", 10_150)],
    ]
    outcome = advance(heats, by_place=3, by_time=3, seed=0)
    assert outcome == {"A1": Q, "B1": Q, "A2": None, "A3": None, "A4": None}


def test_more_time_places_than_athletes_left() -> None:
    heats = [[RaceResult("A1", 10_100), RaceResult("A2", 10_300)], [RaceResult("B1", 10_200)]]
    assert advance(heats, by_place=1, by_time=4, seed=0) == {"A1": Q, "A2": q, "B1": Q}


def test_refuses_negative_counts_and_duplicate_entries() -> None:
    with pytest.raises(ValidationError, match="cannot be negative"):
        advance([[RaceResult("A", 10_000)]], by_place=-1, by_time=0, seed=0)
    with pytest.raises(ValidationError, match="entry A appears twice in the round"):
        advance([[RaceResult("A", 10_000)], [RaceResult("A", 10_100)]], by_place=1, by_time=0,
                seed=0)
