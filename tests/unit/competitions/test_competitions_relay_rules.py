import pytest

from athsys.competitions.relay_rules import (
    MAX_RESERVES,
    Runner,
    check_legs,
    leg_problems,
    leg_times,
    team_name,
)
from athsys.errors import ValidationError
from athsys.sport.disciplines import discipline
from athsys.sport.sex import Sex

pytestmark = pytest.mark.unit

TIGERS, LIONS = 1, 2


def runner(n: int, leg: int | None, sex: Sex = Sex.MALE, club: int | None = TIGERS) -> Runner:
    names = {TIGERS: "Tigers AC", LIONS: "Lions AC"}
    return Runner(n, f"Runner {n}", sex, club, names.get(club) if club else None, leg)


def team(*legs: int | None, sex: Sex = Sex.MALE) -> list[Runner]:
    return [runner(n, leg, sex) for n, leg in enumerate(legs, start=1)]


def problems(code: str, runners: list[Runner], sex: Sex = Sex.MALE) -> dict[str, str]:
    return leg_problems(discipline(code), sex, TIGERS, "Tigers AC", runners)


def test_relay_disciplines_know_their_legs() -> None:
    assert discipline("4x100m").legs_m == (100, 100, 100, 100)
    assert discipline("SMR").legs_m == (100, 200, 300, 400)
    assert sum(discipline("DMR").legs_m) == 4000
    assert sum(discipline("EKIDEN").legs_m) == 42_195
    assert discipline("4x400mMix").mixed and discipline("XCRMix").mixed
    assert discipline("4x400m").relay and not discipline("400m").relay


def test_four_legs_and_reserves_are_a_team() -> None:
    assert problems("4x100m", team(1, 2, 3, 4, None, None)) == {}
    assert problems("4x100m", team(None, None, None)) == {}  # a squad, order not known yet
    assert problems("SMR", team(4, 3, 2, 1)) == {}


def test_a_missing_or_shared_leg_is_named() -> None:
    assert problems("4x100m", team(1, 2, 4))["legs"] == (
        "leg 3 has no runner: declare all 4 legs, or none yet")
    assert problems("4x100m", team(1, 2, 2, 3, 4))["legs"] == "leg 2 has more than one runner"
    assert problems("4x400m", team(1, 2, 3, 5))["legs"] == (
        "a 4 × 400 m relay has legs 1 to 4; leg 5 does not exist")


def test_an_athlete_is_declared_once() -> None:
    runners = [runner(1, 1), runner(1, 2), runner(3, 3), runner(4, 4)]
    assert problems("4x100m", runners)["athletes"] == "Runner 1 declared more than once"


def test_too_many_reserves() -> None:
    found = problems("4x100m", team(1, 2, 3, 4, *[None] * (MAX_RESERVES + 1)))
    assert found["reserves"] == f"{MAX_RESERVES + 1} reserves: a team names at most 4"


def test_a_runner_of_another_club_is_refused_naming_athlete_and_club() -> None:
    runners = [*team(1, 2, 3), runner(9, 4, club=LIONS), runner(10, None, club=None)]
    assert problems("4x100m", runners)["club"] == (
        "Runner 9 is not a member of Tigers AC (Lions AC); "
        "Runner 10 is not a member of Tigers AC (no club)")


def test_a_mens_relay_is_run_by_men() -> None:
    runners = [*team(1, 2, 3), runner(9, 4, Sex.FEMALE)]
    assert problems("4x100m", runners)["sex"] == "the event is for men: Runner 9 may not run in it"


@pytest.mark.parametrize("sexes, ok", [
    ("MFFM", True), ("FMFM", True), ("MMMF", False), ("FFFF", False),
])
def test_a_mixed_relay_has_two_men_and_two_women(sexes: str, ok: bool) -> None:
    runners = [runner(n, n, Sex(s)) for n, s in enumerate(sexes, start=1)]
    found = problems("4x400mMix", runners)
    assert ("sex" not in found) is ok
    if sexes == "MMMF":
        assert found["sex"] == ("a mixed relay is run by 2 men and 2 women; "
                                "the legs declared have 3 men and 1 woman")


def test_a_mixed_relays_reserves_may_be_of_either_sex() -> None:
    runners = [runner(n, n, Sex(s)) for n, s in enumerate("MFMF", start=1)]
    runners += [runner(5, None, Sex.MALE), runner(6, None, Sex.MALE)]
    assert problems("4x400mMix", runners) == {}


def test_check_legs_names_the_team_and_every_problem() -> None:
    runners = [*team(1, 2, 4), runner(9, None, club=LIONS)]
    with pytest.raises(ValidationError) as raised:
        check_legs(discipline("4x100m"), Sex.MALE, TIGERS, "Tigers AC", runners,
                   team="Tigers AC A")
    assert raised.value.message == (
        "Tigers AC A: leg 3 has no runner: declare all 4 legs, or none yet; "
        "Runner 9 is not a member of Tigers AC (Lions AC)")
    assert set(raised.value.details) == {"legs", "club"}


def test_an_individual_event_has_no_legs() -> None:
    with pytest.raises(ValidationError, match="400 m is not a relay"):
        check_legs(discipline("400m"), Sex.MALE, TIGERS, "Tigers AC", team(1), team="x")


def test_team_names_take_the_next_letter() -> None:
    assert team_name("Tigers AC", []) == "Tigers AC A"
    assert team_name("Tigers AC", ["Tigers AC A", "Lions AC B"]) == "Tigers AC B"


def test_leg_times_from_the_handover_splits() -> None:
    ekiden = discipline("EKIDEN").legs_m  # 5, 10, 5, 10, 5, 7.195 km
    splits = {5000: 840_000, 15000: 2_520_000, 20000: 3_360_000, 30000: 5_040_000,
              35000: 5_880_000, 42195: 7_090_000}
    assert leg_times(ekiden, splits) == [840_000, 1_680_000, 840_000, 1_680_000, 840_000,
                                         1_210_000]
    # a handover missed: that leg and the next have no time; the others still do
    del splits[20000]
    assert leg_times(ekiden, splits) == [840_000, 1_680_000, None, None, 840_000, 1_210_000]
    assert leg_times(ekiden, {}) == [None] * 6
