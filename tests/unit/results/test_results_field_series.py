import pytest

from athsys.errors import ValidationError
from athsys.results.field_series import (
    FieldPlacing,
    HeightAttempts,
    HorizontalSeries,
    Trial,
    TrialResult,
    TrialRounds,
    VerticalSeries,
    final_round_order,
    parse_trial,
    rank_horizontal,
    rank_vertical,
    record_attempt,
    validate_horizontal,
    validate_vertical,
)
from athsys.sport.marks import Measure, parse_mark

pytestmark = pytest.mark.unit


def vertical(entry_id: str, *bars: tuple[str, str]) -> VerticalSeries:
    return VerticalSeries(
        entry_id,
        tuple(
            HeightAttempts(parse_mark(height, Measure.HEIGHT), attempts)
            for height, attempts in bars
        ),
    )


def horizontal(entry_id: str, *trials: str) -> HorizontalSeries:
    return HorizontalSeries(entry_id, tuple(parse_trial(trial) for trial in trials))


# Tokyo 2020 Olympic Games, men's high jump final, 1 August 2021. Series transcribed from
# a public data set of the final; the places they give are the official ones: Barshim and
# Tamberi shared gold (clean to 2.37, xxx at 2.39), Nedasekau bronze at 2.37 on count-back.
HEIGHTS = ("2.19", "2.24", "2.27", "2.30", "2.33", "2.35", "2.37", "2.39")
TOKYO_HJ_SERIES = {
    "Barshim": ("-", "o", "o", "o", "o", "o", "o", "xxx"),
    "Tamberi": ("o", "o", "o", "o", "o", "o", "o", "xxx"),
    "Nedasekau": ("xo", "o", "o", "o", "o", "x-", "o", "xxx"),
    "Woo": ("o", "o", "o", "o", "xo", "o", "x-", "xx"),
    "Starc": ("o", "o", "o", "o", "xxo", "o", "x-", "xx"),
    "Akimenko": ("o", "o", "o", "xo", "xo", "xx-", "x"),
    "Harrison": ("o", "o", "xxo", "xo", "xo", "-", "x-", "xx"),
    "Lovett": ("o", "o", "o", "o", "xxx"),
    "Ivanyuk": ("o", "o", "o", "xo", "xxx"),
    "Kerr": ("o", "o", "xxo", "xxo", "xxx"),
    "Gale": ("o", "o", "o", "xxx"),
    "McEwen": ("o", "xxo", "o", "xxx"),
    "Tobe": ("xo", "o", "xxx"),
}
TOKYO_HJ_PLACES = {
    "Barshim": 1, "Tamberi": 1, "Nedasekau": 3, "Woo": 4, "Starc": 5, "Akimenko": 6,
    "Harrison": 7, "Lovett": 8, "Ivanyuk": 9, "Kerr": 10, "Gale": 11, "McEwen": 12, "Tobe": 13,
}
TOKYO_HJ_BEST = {
    "Barshim": 2370, "Tamberi": 2370, "Nedasekau": 2370, "Woo": 2350, "Starc": 2350,
    "Akimenko": 2330, "Harrison": 2330, "Lovett": 2300, "Ivanyuk": 2300, "Kerr": 2300,
    "Gale": 2270, "McEwen": 2270, "Tobe": 2240,
}


def tokyo_high_jump() -> list[VerticalSeries]:
    # Listed in a scrambled order, so the places cannot come from the input order.
    names = sorted(TOKYO_HJ_SERIES, key=lambda name: name[::-1])
    return [vertical(name, *zip(HEIGHTS, TOKYO_HJ_SERIES[name], strict=False)) for name in names]


def test_tokyo_2020_high_jump_final_places_with_count_back() -> None:
    placings = rank_vertical(tokyo_high_jump())
    assert {p.entry_id: p.place for p in placings} == TOKYO_HJ_PLACES
    assert {p.entry_id: p.best_mm for p in placings} == TOKYO_HJ_BEST
    assert [p.entry_id for p in placings][:3] in (
        ["Barshim", "Tamberi", "Nedasekau"],
        ["Tamberi", "Barshim", "Nedasekau"],
    )
    assert not any(p.jump_off for p in placings)


def test_tokyo_2020_high_jump_tie_for_first_can_go_to_a_jump_off() -> None:
    placings = rank_vertical(tokyo_high_jump(), jump_off_for_first=True)
    flagged = {p.entry_id for p in placings if p.jump_off}
    assert flagged == {"Barshim", "Tamberi"}
    assert {p.entry_id: p.place for p in placings}["Nedasekau"] == 3


def test_count_back_attempts_at_last_height_before_total_failures() -> None:
    # A clears 2.30 at the first attempt but failed twice lower down; B needs two at 2.30
    # with a clean record otherwise. Fewest attempts at the last height decides first.
    a = vertical("A", ("2.20", "xxo"), ("2.30", "o"), ("2.35", "xxx"))
    b = vertical("B", ("2.20", "o"), ("2.30", "xo"), ("2.35", "xxx"))
    assert [(p.entry_id, p.place) for p in rank_vertical([b, a])] == [("A", 1), ("B", 2)]


def test_failures_counted_only_up_to_the_last_height_cleared() -> None:
    # Both clear 2.30 at the first attempt; C's failures above 2.30 do not count.
    c = vertical("C", ("2.20", "o"), ("2.30", "o"), ("2.35", "xxx"))
    d = vertical("D", ("2.20", "xo"), ("2.30", "o"), ("2.35", "xxx"))
    assert [(p.entry_id, p.place) for p in rank_vertical([d, c])] == [("C", 1), ("D", 2)]


def test_tie_below_first_is_shared_and_next_place_skipped() -> None:
    series = [
        vertical("W", ("2.00", "o"), ("2.05", "o"), ("2.10", "xxx")),
        vertical("X", ("2.00", "o"), ("2.05", "xo"), ("2.10", "xxx")),
        vertical("Y", ("2.00", "o"), ("2.05", "xo"), ("2.10", "xxx")),
        vertical("Z", ("2.00", "xo"), ("2.05", "xo"), ("2.10", "xxx")),
    ]
    placings = rank_vertical(series, jump_off_for_first=True)
    assert [(p.entry_id, p.place, p.jump_off) for p in placings] == [
        ("W", 1, False), ("X", 2, False), ("Y", 2, False), ("Z", 4, False),
    ]


def test_no_height_cleared_is_no_mark_and_listed_last() -> None:
    series = [
        vertical("NM", ("2.00", "xxx")),
        vertical("R", ("2.00", "o"), ("2.05", "xr")),
        vertical("E", ("2.00", "o"), ("2.05", "-"), ("2.10", "xxx")),
    ]
    placings = rank_vertical(series)
    assert placings[-1] == FieldPlacing("NM", None, None)
    # A retired athlete keeps the height cleared; E and R tie (first-time 2.00, no failure
    # up to it) and share first, the input order kept.
    assert [(p.entry_id, p.place) for p in placings[:2]] == [("R", 1), ("E", 1)]


@pytest.mark.parametrize(
    ("bars", "problem"),
    [
        ((("2.30", "xx-"), ("2.33", "x"), ("2.35", "o")),
         "entry A, attempt 1 at 2.35 m: three consecutive failures had ended the competition"),
        ((("2.30", "o"), ("2.25", "o")),
         "entry A, attempt 1 at 2.25 m: the bar cannot go from 2.30 m to 2.25 m"),
        ((("2.30", "o"), ("2.30", "o")), "the bar cannot go from 2.30 m to 2.30 m"),
        ((("2.30", "xxxo"),), "entry A, attempt 4 at 2.30 m: more than three attempts at 2.30 m"),
        ((("2.30", "xxxx"),), "attempt 4 at 2.30 m: more than three attempts"),
        ((("2.30", "xr"), ("2.33", "o")), "entry A, attempt 1 at 2.33 m: the athlete had retired"),
        ((("2.30", "rx"),), "attempt 2 at 2.30 m: the athlete had retired"),
        ((("2.30", "ox"),), "attempt 2 at 2.30 m: 2.30 m was already cleared or passed"),
        ((("2.30", "-o"),), "attempt 2 at 2.30 m: 2.30 m was already cleared or passed"),
        ((("2.30", "oy"),), "attempt 2 at 2.30 m: 'y' is not one of o, x, -, r"),
        ((("2.30", ""),), "entry A, 2.30 m: no attempt recorded at 2.30 m"),
        ((("2.30", "xxx"), ("2.35", "-")), "attempt 1 at 2.35 m: three consecutive failures"),
    ],
)
def test_impossible_vertical_series_are_refused(
    bars: tuple[tuple[str, str], ...], problem: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_vertical(vertical("A", *bars))
    assert problem in caught.value.message
    assert caught.value.details["entry_id"] == "A"


def test_retiring_after_clearing_or_passing_a_height_is_allowed() -> None:
    validate_vertical(vertical("A", ("2.00", "o"), ("2.05", "xor")))
    validate_vertical(vertical("A", ("2.00", "o"), ("2.05", "x-r")))
    with pytest.raises(ValidationError, match="attempt 4 at 2.05 m: the athlete had retired"):
        validate_vertical(vertical("A", ("2.00", "o"), ("2.05", "xorx")))


def test_impossible_series_refused_when_ranking() -> None:
    with pytest.raises(ValidationError, match="entry Tobe"):
        rank_vertical(
            [vertical("Tobe", ("2.19", "xo"), ("2.24", "o"), ("2.27", "xxx"), ("2.30", "o"))]
        )


def test_record_attempt_builds_and_validates_the_series() -> None:
    series = VerticalSeries("Barshim")
    for height, outcome in (("2.24", "o"), ("2.27", "x"), ("2.27", "o"), ("2.30", "-")):
        series = record_attempt(series, parse_mark(height, Measure.HEIGHT), outcome)
    assert series == vertical("Barshim", ("2.24", "o"), ("2.27", "xo"), ("2.30", "-"))
    with pytest.raises(ValidationError, match="the bar cannot go from 2.30 m to 2.27 m"):
        record_attempt(series, 2270, "o")
    with pytest.raises(ValidationError, match="one attempt at a time"):
        record_attempt(series, 2330, "xo")


# Tokyo 2020 Olympic Games, men's long jump final, 2 August 2021: Tentoglou and Echevarria
# both 8.41; Tentoglou won on his second best, 8.15 (round 5) against 8.09. Reported
# series: Tentoglou 8.11 (R1), 8.15 (R5), 8.41 (R6); Echevarria 8.09 (R1), 8.41 (R3), no
# valid jump in R6 (pulled up); Masso 8.21 (R1), hurt in R2, no further jump; Harrison
# 8.15 (R5). Trials the reports do not give are entered as fouls: none of them decides
# anything here. Four of the twelve finalists, so all four have six trials.
def tokyo_long_jump() -> list[HorizontalSeries]:
    return [
        horizontal("Harrison", "x", "x", "x", "x", "8.15", "x"),
        horizontal("Masso", "8.21", "x", "-", "-", "-", "-"),
        horizontal("Tentoglou", "8.11", "x", "x", "x", "8.15", "8.41"),
        horizontal("Echevarria", "8.09", "x", "8.41", "x", "x", "x"),
    ]


def test_tokyo_2020_long_jump_decided_on_second_best_mark() -> None:
    series = tokyo_long_jump()
    validate_horizontal(series)
    placings = rank_horizontal(series)
    assert [(p.entry_id, p.place, p.best_mm) for p in placings] == [
        ("Tentoglou", 1, 8410), ("Echevarria", 2, 8410), ("Masso", 3, 8210), ("Harrison", 4, 8150),
    ]


def test_tokyo_2020_long_jump_standing_after_each_round() -> None:
    series = tokyo_long_jump()

    def standing(through_round: int) -> list[tuple[str, int | None]]:
        placings = rank_horizontal(series, through_round=through_round)
        return [(str(p.entry_id), p.place) for p in placings]

    # Masso led after round 1, Echevarria from round 3; Tentoglou third until round 6.
    assert standing(1) == [("Masso", 1), ("Tentoglou", 2), ("Echevarria", 3), ("Harrison", None)]
    assert standing(3) == [("Echevarria", 1), ("Masso", 2), ("Tentoglou", 3), ("Harrison", None)]
    # Round 5: Harrison's 8.15 equals Tentoglou's, whose 8.11 keeps him third.
    assert standing(5) == [("Echevarria", 1), ("Masso", 2), ("Tentoglou", 3), ("Harrison", 4)]
    assert standing(6)[:2] == [("Tentoglou", 1), ("Echevarria", 2)]


def test_marks_rank_at_the_centimetre_below() -> None:
    # 8.417 is recorded as 8.41: a tie on the best mark, decided by the second best.
    series = [horizontal("A", "8.417", "7.90"), horizontal("B", "8.41", "8.00")]
    assert [(p.entry_id, p.place, p.best_mm) for p in rank_horizontal(series)] == [
        ("B", 1, 8410), ("A", 2, 8410),
    ]


def test_identical_series_share_the_place() -> None:
    series = [
        horizontal("A", "20.10", "x"), horizontal("B", "x", "20.10"), horizontal("C", "19.00")
    ]
    placings = rank_horizontal(series)
    assert [(p.entry_id, p.place) for p in placings] == [("A", 1), ("B", 1), ("C", 3)]


def test_best_mark_carries_its_wind() -> None:
    series = [
        HorizontalSeries("A", (
            parse_trial("8.20", wind="+2.4"),
            parse_trial("8.35", wind="+1.2"),
            parse_trial("x", wind="+0.3"),
        )),
    ]
    assert rank_horizontal(series) == [FieldPlacing("A", 1, 8350, wind=12)]


def test_no_valid_trial_is_no_mark() -> None:
    placings = rank_horizontal([horizontal("A", "x", "x", "x"), horizontal("B", "60.00")])
    assert placings == [FieldPlacing("B", 1, 60000), FieldPlacing("A", None, None)]


def test_parse_trial() -> None:
    assert parse_trial("8.41", wind="+1.2") == Trial(TrialResult.VALID, 8410, 12)
    assert parse_trial("X") == Trial(TrialResult.FOUL)
    assert parse_trial("x", wind="-0.4") == Trial(TrialResult.FOUL, wind=-4)
    assert parse_trial("-") == Trial(TrialResult.PASS)
    with pytest.raises(ValidationError, match="trial 2:"):
        parse_trial("8.4.1", field="trial 2")
    with pytest.raises(ValidationError, match="trial 2 wind"):
        parse_trial("8.41", wind="strong", field="trial 2")


def test_trial_must_match_its_result() -> None:
    with pytest.raises(ValidationError, match="a valid trial has a mark"):
        Trial(TrialResult.VALID)
    with pytest.raises(ValidationError, match="a valid trial has a mark"):
        Trial(TrialResult.FOUL, 8000)
    with pytest.raises(ValidationError, match="cannot measure"):
        Trial(TrialResult.VALID, -1)


def twelve_after_three_rounds() -> list[HorizontalSeries]:
    # Draw order A..L. H and I tie (same best, same second best); L has no mark.
    marks = {
        "A": ("7.50", "x", "7.60"), "B": ("8.00", "x", "x"), "C": ("7.90", "7.95", "x"),
        "D": ("x", "7.70", "-"), "E": ("8.10", "x", "8.05"), "F": ("7.40", "x", "x"),
        "G": ("7.65", "7.20", "x"), "H": ("7.45", "7.30", "x"), "I": ("x", "7.45", "7.30"),
        "J": ("7.20", "x", "x"), "K": ("7.10", "7.15", "x"), "L": ("x", "x", "x"),
    }
    return [horizontal(name, *trials) for name, trials in marks.items()]


def test_final_rounds_best_eight_in_reverse_order() -> None:
    order = final_round_order(twelve_after_three_rounds())
    # Standing: E 8.10, B 8.00, C 7.95, D 7.70, G 7.65, A 7.60, H = I 7.45 then 7.30 (both
    # 7th), F 7.40 9th. Eight go on; H and I, tied, keep their draw order.
    assert order == ["H", "I", "A", "G", "D", "C", "B", "E"]


def test_final_rounds_tie_for_eighth_adds_a_ninth_finalist() -> None:
    series = twelve_after_three_rounds()[:-1] + [horizontal("L", "7.45", "x", "7.30")]
    order = final_round_order(series)
    # H, I and L share 7th: nine athletes take the final three trials, ties in draw order.
    assert order == ["H", "I", "L", "A", "G", "D", "C", "B", "E"]


def test_final_rounds_with_eight_or_fewer_everyone_no_marks_first() -> None:
    series = [
        horizontal("A", "7.50", "x", "x"), horizontal("B", "x", "x", "x"),
        horizontal("C", "7.90", "x", "x"), horizontal("D", "x", "-", "x"),
    ]
    assert final_round_order(series) == ["B", "D", "A", "C"]


def test_configurable_rounds() -> None:
    rounds = TrialRounds(first=2, final=1, finalists=2)
    series = [
        horizontal("A", "7.00", "7.10"), horizontal("B", "7.50", "x"), horizontal("C", "6.00", "x")
    ]
    assert final_round_order(series, rounds) == ["A", "B"]
    validate_horizontal([horizontal("A", "7.00", "7.10", "7.20"), *series[1:]], rounds)
    with pytest.raises(ValidationError, match="entry C, trial 3: not among the best 2 after 2"):
        validate_horizontal([*series[:2], horizontal("C", "6.00", "x", "7.00")], rounds)


def test_too_many_trials_refused() -> None:
    with pytest.raises(ValidationError, match="entry A, trial 7: only 6 trials are allowed"):
        validate_horizontal([horizontal("A", "7.00", "x", "x", "x", "x", "x", "7.10")])


def test_fourth_trial_for_a_non_finalist_refused() -> None:
    series = twelve_after_three_rounds()
    series[5] = horizontal("F", "7.40", "x", "x", "7.80")
    with pytest.raises(ValidationError, match="entry F, trial 4: not among the best 8 after 3"):
        validate_horizontal(series)


def test_duplicate_athlete_refused() -> None:
    with pytest.raises(ValidationError, match="entry A appears twice"):
        rank_horizontal([horizontal("A", "7.00"), horizontal("A", "7.10")])
    with pytest.raises(ValidationError, match="entry A appears twice"):
        rank_vertical([vertical("A", ("2.00", "o")), vertical("A", ("2.00", "o"))])
