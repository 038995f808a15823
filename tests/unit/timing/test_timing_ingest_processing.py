import hashlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from athsys.errors import ValidationError
from athsys.timing.acceptance import GunCandidate, competition_window, heat_for_gun
from athsys.timing.devices import hash_token, token_prefix
from athsys.timing.rules import HeatClock, ResultTimes, decide_update, heat_for_read
from athsys.timing.simulation import chip_of, parse_points, race_passings

pytestmark = pytest.mark.unit

MINUTE = 60_000


def test_token_is_stored_as_sha256_hex_and_recognised_by_its_prefix() -> None:
    token = "abc-DEF_123456789"
    assert hash_token(token) == hashlib.sha256(b"abc-DEF_123456789").hexdigest()
    assert len(hash_token(token)) == 64
    assert token_prefix(token) == "abc-DEF_"


def test_competition_window_is_the_days_plus_six_hours_in_the_local_zone() -> None:
    paris = ZoneInfo("Europe/Paris")
    first, last = competition_window(date(2025, 10, 12), date(2025, 10, 13), paris)
    assert first == datetime(2025, 10, 11, 18, 0, tzinfo=paris)
    assert last == datetime(2025, 10, 14, 6, 0, tzinfo=paris)
    assert last - first == timedelta(hours=60)


def test_a_read_goes_to_the_only_heat() -> None:
    assert heat_for_read([HeatClock(7, None)], 0) == 7
    assert heat_for_read([], 0) is None


def test_a_read_goes_to_the_latest_heat_started_before_it() -> None:
    heats = [HeatClock(2, 60 * MINUTE), HeatClock(1, 0), HeatClock(3, None)]
    assert heat_for_read(heats, 30 * MINUTE) == 1
    assert heat_for_read(heats, 61 * MINUTE) == 2
    assert heat_for_read(heats, -MINUTE) == 1  # on the start mat before the first gun


def test_gun_starts_the_heat_scheduled_nearest_within_the_tolerance() -> None:
    candidates = [GunCandidate(1, 0), GunCandidate(2, 20 * MINUTE), GunCandidate(3, None)]
    assert heat_for_gun(candidates, 2 * MINUTE) == 1
    assert heat_for_gun(candidates, 12 * MINUTE) == 2
    assert heat_for_gun(candidates, 10 * MINUTE) == 1  # equally near: the earlier heat
    assert heat_for_gun(candidates, 51 * MINUTE) is None
    assert heat_for_gun([GunCandidate(9, None)], 5) == 9
    assert heat_for_gun([GunCandidate(8, None), GunCandidate(9, None)], 5) is None


def test_chip_update_creates_replaces_and_keeps() -> None:
    def chip_times(stored: ResultTimes | None, mark: int, net_mark: int) -> ResultTimes:
        """Chip times computed from the stored result's revision."""
        return ResultTimes("chip", stored.revision if stored else None, mark, net_mark)

    assert decide_update(None, chip_times(None, 1000, 990)).replace
    chip = ResultTimes("chip", 1, 1000, 990)
    assert not decide_update(chip, chip_times(chip, 1000, 990)).replace  # a replay
    assert decide_update(chip, chip_times(chip, 999, 990)).replace
    assert decide_update(chip, chip_times(chip, 1000, 980)).replace  # a late start-mat read
    manual = ResultTimes("manual", 3, 1200, None)
    assert not decide_update(manual, chip_times(manual, 1000, 990)).replace
    assert not decide_update(manual, chip_times(manual, 1200, 990)).replace  # net time stays
    lif = ResultTimes("lif", 1, 1000, None)
    assert not decide_update(lif, chip_times(lif, 1000, 990)).replace


def test_simulated_race_is_reproducible_and_ordered() -> None:
    reads = race_passings(50, seed=3)
    assert reads == race_passings(50, seed=3)
    assert reads != race_passings(50, seed=4)
    assert len(reads) == 200 and len({r.read_id for r in reads}) == 200
    assert [r.time_ms for r in reads] == sorted(r.time_ms for r in reads)
    runner = [r for r in reads if r.chip == chip_of(7)]
    assert [r.point for r in runner] == ["start", "5k", "8k", "finish"]
    finish = runner[-1].time_ms - runner[0].time_ms
    assert 10 * 170_000 - 1000 <= finish <= 10 * 420_000 + 1000


def test_simulation_points_and_runner_limits() -> None:
    assert parse_points("start:0, half:5000 ,finish:10000") == (
        ("start", 0), ("half", 5000), ("finish", 10000))
    for bad in ("start:0", "a:0,b:x", "a:10,b:20", "a:0,b:20,c:10"):
        with pytest.raises(ValidationError):
            parse_points(bad)
    with pytest.raises(ValidationError):
        race_passings(0)


@pytest.mark.parametrize("item", [
    {"read_id": "1", "chip": "C1", "timestamp": "2025-10-12T09:00:00.123+02:00"},
    {"read_id": "1", "chip": "C1", "timestamp": "2025-10-12T09:00:00.5Z", "hits": 3},
    {"read_id": "1", "bib": "12", "timestamp": "2025-10-12T09:00:00.12", "rssi": -70},
    {"read_id": "1", "is_gun": True, "timestamp": "2025-10-12T09:00:00-05:00"},
    {"read_id": "1", "chip": "C1", "timestamp": "2025-10-12T09:00:00", "antenna": 0,
     "timing_point": "finish", "is_gun": False},
    {"read_id": "1", "chip": "C1", "timestamp": "2025-10-12T09:00:00", "hits": True},
    {"read_id": "1", "chip": "C1", "timestamp": "2025-10-12T09:00:00", "hits": -1},
    {"read_id": "1", "chip": "", "timestamp": "2025-10-12T09:00:00"},
    {"read_id": "1", "chip": "C1", "timestamp": "2025-10-12T09:00:00", "colour": "red"},
    {"read_id": "1", "chip": "C1", "timestamp": "2025-10-12T09:00:00.1234"},
    {"read_id": "1", "chip": "C1", "timestamp": "2025-10-12 09:00:00"},
    {"read_id": "1", "chip": "C1", "timestamp": "2025-13-12T09:00:00"},
    {"read_id": 1, "chip": "C1", "timestamp": "2025-10-12T09:00:00"},
    {"read_id": "1", "timestamp": "2025-10-12T09:00:00"},
    {"read_id": "1", "chip": "C1", "timestamp": "2025-10-12T09:00:00", "is_gun": 1},
])
def test_plain_json_items_load_exactly_as_the_schema_loads_them(item: dict) -> None:  # type: ignore[type-arg]
    from marshmallow import ValidationError as SchemaError

    from athsys.timing.formats.json_batch import PassingSchema, _plain_item

    plain = _plain_item(item)
    try:
        expected = PassingSchema().load(item)
    except SchemaError:
        assert plain is None  # invalid items always go to the schema for their errors
        return
    if plain is not None:
        assert plain == expected
