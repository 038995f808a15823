import pytest
from hypothesis import given
from hypothesis import strategies as st

from athsys.competitions.seeding import SeedEntry, heat_count, seed_heats, seed_order
from athsys.errors import ValidationError

pytestmark = pytest.mark.unit


def ranked_entries(count: int) -> list[SeedEntry]:
    """Entry ``n`` has the n-th best time (10.00 + n hundredths), listed worst first."""
    return [SeedEntry(n, 10_000 + 10 * n) for n in range(count, 0, -1)]


@pytest.mark.parametrize(
    ("entries", "lanes", "heats"),
    [(0, 8, 0), (1, 8, 1), (8, 8, 1), (9, 8, 2), (24, 8, 3), (25, 9, 3)],
)
def test_heat_count(entries: int, lanes: int, heats: int) -> None:
    assert heat_count(entries, lanes) == heats


def test_heat_count_needs_a_lane() -> None:
    with pytest.raises(ValidationError, match="at least one lane"):
        heat_count(8, 0)


def test_zig_zag_over_three_heats() -> None:
    heats = seed_heats(ranked_entries(24), lanes=8, seed=0)
    assert heats == (
        (1, 6, 7, 12, 13, 18, 19, 24),
        (2, 5, 8, 11, 14, 17, 20, 23),
        (3, 4, 9, 10, 15, 16, 21, 22),
    )


def test_zig_zag_with_uneven_heats() -> None:
    heats = seed_heats(ranked_entries(19), lanes=8, seed=0)
    assert heats == ((1, 6, 7, 12, 13, 18, 19), (2, 5, 8, 11, 14, 17), (3, 4, 9, 10, 15, 16))


def test_field_marks_best_is_highest() -> None:
    entries = [
        SeedEntry("a", 7_800), SeedEntry("b", 8_410), SeedEntry("c", 8_150), SeedEntry("d", 8_000)
    ]
    # Ranks b, c, d, a dealt zig-zag into two heats: 1 and 4 | 2 and 3.
    assert seed_heats(entries, lanes=2, seed=0, higher_is_better=True) == (("b", "a"), ("c", "d"))


def test_entries_without_a_mark_come_last_in_an_order_by_lot() -> None:
    entries = [SeedEntry(f"nm{n}", None) for n in range(6)] + ranked_entries(2)
    orders = {
        tuple(entry.entry_id for entry in seed_order(entries, seed=seed)) for seed in range(30)
    }
    assert all(order[:2] == (1, 2) for order in orders)
    assert all(set(order[2:]) == {f"nm{n}" for n in range(6)} for order in orders)
    assert len(orders) > 1  # the lot really varies with the seed


def test_equal_marks_ordered_by_lot() -> None:
    entries = [SeedEntry(name, 10_000) for name in "abcdef"]
    firsts = {seed_order(entries, seed=seed)[0].entry_id for seed in range(40)}
    assert len(firsts) > 1


def test_reproducible_from_the_stored_seed() -> None:
    entries = ranked_entries(10) + [SeedEntry(f"nm{n}", None) for n in range(10)]
    first = seed_heats(entries, lanes=8, seed=20210801)
    assert seed_heats(entries, lanes=8, seed=20210801) == first
    assert any(seed_heats(entries, lanes=8, seed=seed) != first for seed in range(10))


def test_more_heats_on_request() -> None:
    heats = seed_heats(ranked_entries(16), lanes=8, seed=0, heats=4)
    assert heats == ((1, 8, 9, 16), (2, 7, 10, 15), (3, 6, 11, 14), (4, 5, 12, 13))


def test_too_few_heats_refused() -> None:
    with pytest.raises(ValidationError, match="17 entries do not fit in 2 heats of 8 lanes"):
        seed_heats(ranked_entries(17), lanes=8, seed=0, heats=2)


def test_empty_heat_refused() -> None:
    with pytest.raises(ValidationError, match="4 heats for 3 entries would leave a heat empty"):
        seed_heats(ranked_entries(3), lanes=8, seed=0, heats=4)


def test_duplicate_entry_refused() -> None:
    with pytest.raises(ValidationError, match="entry 1 appears twice in the seeding"):
        seed_heats([SeedEntry(1, 10_000), SeedEntry(1, 10_100)], lanes=8, seed=0)


def test_no_entries_no_heats() -> None:
    assert seed_heats([], lanes=8, seed=0) == ()


@given(
    entries=st.integers(min_value=1, max_value=80),
    lanes=st.integers(min_value=6, max_value=10),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_heats_balanced_and_complete(entries: int, lanes: int, seed: int) -> None:
    pool = ranked_entries(entries)
    heats = seed_heats(pool, lanes=lanes, seed=seed)
    sizes = [len(heat) for heat in heats]
    assert len(heats) == heat_count(entries, lanes)
    assert max(sizes) - min(sizes) <= 1 and max(sizes) <= lanes
    assert sorted(entry for heat in heats for entry in heat) == list(range(1, entries + 1))
    # Each heat holds one of the best len(heats) seeds, and is listed best first.
    assert sorted(heat[0] for heat in heats) == list(range(1, len(heats) + 1))
    assert all(list(heat) == sorted(heat) for heat in heats)
