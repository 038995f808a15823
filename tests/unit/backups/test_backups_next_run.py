"""The maintenance page's "next run": due times counted from the last run, not from the clock."""
from datetime import UTC, datetime, timedelta

from celery.schedules import crontab

from webui.views.maintenance import _next_run


def test_a_nightly_backup_is_due_at_two_whatever_the_delay_since_its_last_run() -> None:
    for delay in (timedelta(0), timedelta(seconds=3), timedelta(hours=5)):
        last_run = datetime.now(UTC) - delay
        assert _next_run(crontab(minute=0, hour=2), last_run).endswith("02:00:00")


def test_an_interval_is_due_one_period_after_the_last_run() -> None:
    last_run = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=10)
    due = datetime.strptime(_next_run(timedelta(minutes=5), last_run), "%Y-%m-%d %H:%M:%S")
    assert due.replace(tzinfo=UTC) == last_run + timedelta(minutes=5)


def test_an_overdue_entry_is_due_now_not_in_the_past() -> None:
    last_run = datetime.now(UTC) - timedelta(hours=1)
    due = datetime.strptime(_next_run(timedelta(minutes=5), last_run), "%Y-%m-%d %H:%M:%S")
    assert abs(due.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(seconds=5)
