import pytest

from athsys.results.records import ExistingRecords, RecordKind, records_earned
from athsys.sport.marks import Measure

pytestmark = pytest.mark.unit

WR, NR, MR, PB, SB = RecordKind.WR, RecordKind.NR, RecordKind.MR, RecordKind.PB, RecordKind.SB
CR = RecordKind.CR


def test_woo_sang_hyeok_tokyo_2020_national_record_and_personal_best() -> None:
    # 2.35 in the Olympic final: Korean record was 2.34 (Lee Jin-taek, 1996), his PB 2.31.
    existing = ExistingRecords(
        world=2450, national=2340, meeting=2390, personal_best=2310, season_best=2310
    )
    assert records_earned(2350, Measure.HEIGHT, existing) == (NR, PB, SB)


def test_thompson_herah_tokyo_2020_olympic_record() -> None:
    # 10.61 in the Olympic final: WR 10.49, Olympic record 10.62 (both Griffith-Joyner, 1988),
    # Jamaican record and her PB 10.70; any season's best slower than 10.61 will do.
    existing = ExistingRecords(
        world=10_490, national=10_700, meeting=10_620, personal_best=10_700, season_best=10_760
    )
    assert records_earned(10_610, Measure.TIME, existing) == (NR, MR, PB, SB)


def test_duplantis_eugene_2022_world_and_championship_record() -> None:
    # 6.21 in the World Championships final: WR 6.20 (his own, Belgrade 2022), championship
    # record 6.05 (Markov, Edmonton 2001); no meeting record on file for a first edition there.
    existing = ExistingRecords(world=6200, championship=6050, personal_best=6200,
                               season_best=6200)
    assert records_earned(6210, Measure.HEIGHT, existing) == (WR, CR, PB, SB)
    hand = records_earned(6210, Measure.HEIGHT, existing, hand=True)  # no such thing, but:
    assert CR in hand  # a height is never hand timed: the flag stands


def test_mayer_decathlon_world_record() -> None:
    # 9126 points (Talence 2018) beat Eaton's 9045; his 8834 (Rio 2016) was the French record.
    existing = ExistingRecords(world=9045, national=8834, personal_best=8834)
    assert records_earned(9126, Measure.POINTS, existing) == (WR, NR, PB, SB)


def test_equalling_a_record_earns_the_flag() -> None:
    existing = ExistingRecords(world=9_580, personal_best=9_580, season_best=9_600)
    assert records_earned(9_580, Measure.TIME, existing) == (WR, PB, SB)
    assert records_earned(8_950, Measure.DISTANCE, ExistingRecords(world=8_950)) == (WR, PB, SB)


def test_times_compare_at_published_hundredths() -> None:
    # 9.572 is published 9.58: it equals a 9.58 record, it does not beat it by 8 ms.
    assert records_earned(9_572, Measure.TIME, ExistingRecords(world=9_580)) == (WR, PB, SB)
    # 9.581 is published 9.59: slower than the record.
    assert WR not in records_earned(9_581, Measure.TIME, ExistingRecords(world=9_580))


def test_road_times_compare_at_whole_seconds() -> None:
    existing = ExistingRecords(meeting=7_785_000, personal_best=7_800_000)
    assert records_earned(7_784_300, Measure.TIME, existing, road=True) == (MR, PB, SB)
    assert records_earned(7_785_001, Measure.TIME, existing, road=True) == (PB, SB)


def test_distances_compare_at_the_centimetre_below() -> None:
    # 8.957 is recorded 8.95: it equals 8.95, it does not beat it.
    assert WR in records_earned(8_957, Measure.DISTANCE, ExistingRecords(world=8_950))
    assert WR not in records_earned(8_949, Measure.DISTANCE, ExistingRecords(world=8_950))


def test_worse_mark_earns_nothing() -> None:
    existing = ExistingRecords(
        world=9_580, national=9_690, meeting=9_630, personal_best=9_850, season_best=9_900
    )
    assert records_earned(9_910, Measure.TIME, existing) == ()
    assert records_earned(9_880, Measure.TIME, existing) == (SB,)


def test_no_record_on_file() -> None:
    # No PB or SB yet: the first mark is both. No WR, NR or MR on file: none is claimed.
    assert records_earned(12_000, Measure.TIME, ExistingRecords()) == (PB, SB)
