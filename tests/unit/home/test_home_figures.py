"""The pure parts of the home page: the director's warnings, heat names, local times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from athsys.competitions.models import RoundKind
from athsys.competitions.time_zones import local_time
from athsys.home.meet_status import MeetStatus, warnings
from athsys.home.officials import heat_label

pytestmark = pytest.mark.unit

NOW = datetime(2026, 6, 6, 14, 0, tzinfo=UTC)
CALM = MeetStatus(heats={"scheduled": 3}, results_per_minute=2.0, ingestion_lag_s=1.0,
                  unprocessed_batches=1, failed_batches=0, unknown_chips=0,
                  queue_depth={"ingest": 3}, last_backup_at=NOW - timedelta(hours=3))


def test_a_calm_meet_has_no_warning() -> None:
    assert warnings(CALM, NOW) == []


@pytest.mark.parametrize(("changes", "expected"), [
    ({"queue_depth": None}, "The job queue does not answer"),
    ({"ingestion_lag_s": 95.0, "unprocessed_batches": 12}, "wait 95 s to be processed (12"),
    ({"failed_batches": 2}, "2 timing batches failed"),
    ({"queue_depth": {"ingest": 400, "leaderboards": 200}}, "600 jobs are queued"),
    ({"unknown_chips": 3}, "3 chips were read that no entry carries"),
    ({"last_backup_at": None}, "No backup has been made yet."),
    ({"last_backup_at": NOW - timedelta(hours=30)}, "The last backup is 30 hours old"),
])
def test_each_trouble_is_named(changes: dict, expected: str) -> None:
    found = warnings(MeetStatus(**{**CALM.__dict__, **changes}), NOW)
    assert len(found) == 1 and expected in found[0]


def test_heats_are_named_as_a_schedule_names_them() -> None:
    assert heat_label("Women 100 m", RoundKind.HEAT, 2, 3, field=False) == "Women 100 m, Heats 2"
    assert heat_label("Men 400 m", RoundKind.FINAL, 1, 1, field=False) == "Men 400 m, Final"
    assert heat_label("Men Long Jump", RoundKind.QUALIFICATION, 2, 2,
                      field=True) == "Men Long Jump, Qualification group B"


def test_times_are_local_to_the_competition() -> None:
    assert local_time(NOW, "Europe/Paris") == "16:00"  # CEST
    assert local_time(NOW, "America/New_York") == "10:00"
    assert local_time(NOW, "Not/AZone") == "14:00"  # unknown: UTC, never an error
    assert local_time(None, "UTC") == ""
