import pytest

from athsys.competitions.lane_draw import draw_lanes, lane_groups
from athsys.errors import ValidationError
from athsys.sport.disciplines import RaceKind

pytestmark = pytest.mark.unit

ATHLETES = [f"rank{n}" for n in range(1, 10)]

# (race, lanes) -> for each rank 1..N, the lanes it may draw (World Athletics, since 2023).
EXPECTED_GROUPS = {
    (RaceKind.STRAIGHT, 8): [{3, 4, 5, 6}] * 4 + [{2, 7}] * 2 + [{1, 8}] * 2,
    (RaceKind.BEND_200, 8): [{5, 6, 7}] * 3 + [{3, 4, 8}] * 3 + [{1, 2}] * 2,
    (RaceKind.LANES_400, 8): [{4, 5, 6, 7}] * 4 + [{3, 8}] * 2 + [{1, 2}] * 2,
    (RaceKind.STRAIGHT, 9): [{3, 4, 5, 6}] * 4 + [{2, 7}] * 2 + [{1, 8, 9}] * 3,
    (RaceKind.BEND_200, 9): [{5, 6, 7}] * 3 + [{3, 4, 8}] * 3 + [{1, 2, 9}] * 3,
    (RaceKind.LANES_400, 9): [{4, 5, 6, 7}] * 4 + [{3, 8}] * 2 + [{1, 2, 9}] * 3,
}


def test_lane_groups_as_the_rules_list_them() -> None:
    assert lane_groups(RaceKind.STRAIGHT, 8) == ((3, 4, 5, 6), (2, 7), (1, 8))
    assert lane_groups(RaceKind.BEND_200, 8) == ((5, 6, 7), (3, 4, 8), (1, 2))
    assert lane_groups(RaceKind.LANES_400, 8) == ((4, 5, 6, 7), (3, 8), (1, 2))
    assert lane_groups(RaceKind.LANES_400, 9) == ((4, 5, 6, 7), (3, 8), (1, 2, 9))


@pytest.mark.parametrize(("kind", "lanes"), list(EXPECTED_GROUPS))
def test_every_rank_draws_within_its_group_and_every_lane_of_it_comes_up(
    kind: RaceKind, lanes: int
) -> None:
    allowed = EXPECTED_GROUPS[(kind, lanes)]
    seen: list[set[int]] = [set() for _ in allowed]
    for seed in range(200):
        drawn = draw_lanes(ATHLETES[:lanes], kind, lanes=lanes, seed=seed)
        assert sorted(drawn.values()) == list(range(1, lanes + 1))
        for rank, athlete in enumerate(ATHLETES[:lanes]):
            assert drawn[athlete] in allowed[rank]
            seen[rank].add(drawn[athlete])
    assert seen == allowed  # the lot is real: each rank has drawn every lane of its group


def test_reproducible_from_the_seed() -> None:
    first = draw_lanes(ATHLETES[:8], RaceKind.BEND_200, lanes=8, seed=42)
    assert draw_lanes(ATHLETES[:8], RaceKind.BEND_200, lanes=8, seed=42) == first
    assert any(
        draw_lanes(ATHLETES[:8], RaceKind.BEND_200, lanes=8, seed=seed) != first
        for seed in range(10)
    )


def test_fewer_athletes_fill_the_groups_from_the_best() -> None:
    for seed in range(50):
        drawn = draw_lanes(ATHLETES[:5], RaceKind.STRAIGHT, lanes=8, seed=seed)
        assert len(drawn) == 5
        assert {drawn[a] for a in ATHLETES[:4]} == {3, 4, 5, 6}
        assert drawn["rank5"] in {2, 7}
    drawn = draw_lanes(ATHLETES[:2], RaceKind.LANES_400, lanes=8, seed=3)
    assert set(drawn.values()) <= {4, 5, 6, 7}


def test_empty_heat() -> None:
    assert draw_lanes([], RaceKind.STRAIGHT, lanes=8, seed=0) == {}


def test_overfull_heat_refused() -> None:
    with pytest.raises(ValidationError, match="9 athletes do not fit in a heat of 8 lanes"):
        draw_lanes(ATHLETES, RaceKind.STRAIGHT, lanes=8, seed=0)


@pytest.mark.parametrize("lanes", [4, 6, 7, 10])
@pytest.mark.parametrize("kind", list(RaceKind))
def test_other_track_sizes_draw_every_lane_by_lot(kind: RaceKind, lanes: int) -> None:
    """No ranking groups off 8 or 9 lanes: every rank has drawn every lane of the track."""
    assert lane_groups(kind, lanes) == (tuple(range(1, lanes + 1)),)
    seen: list[set[int]] = [set() for _ in range(lanes)]
    for seed in range(300):
        drawn = draw_lanes(ATHLETES[:lanes] + ["rank10"][: lanes - 9], kind, lanes=lanes,
                           seed=seed)
        assert sorted(drawn.values()) == list(range(1, lanes + 1))
        for rank, lane in enumerate(drawn.values()):
            seen[rank].add(lane)
    assert all(lanes_seen == set(range(1, lanes + 1)) for lanes_seen in seen)


@pytest.mark.parametrize("lanes", [3, 11, 0])
def test_impossible_track_sizes_refused(lanes: int) -> None:
    with pytest.raises(ValidationError, match=f"a track has 4 to 10 lanes, not {lanes}"):
        draw_lanes(ATHLETES[:2], RaceKind.STRAIGHT, lanes=lanes, seed=0)


def test_duplicate_athlete_refused() -> None:
    with pytest.raises(ValidationError, match="entry rank1 appears twice in the heat"):
        draw_lanes(["rank1", "rank1"], RaceKind.STRAIGHT, lanes=8, seed=0)
