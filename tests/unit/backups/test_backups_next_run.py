"""The maintenance page's "next run": due times counted from the last run, not from the clock."""
from datetime import UTC, datetime, timedelta

from celery import Celery
from celery.schedules import crontab, schedule

from webui.views.maintenance import _next_run

# A schedule reads its time zone from its Celery app; without one it takes the current app,
# which is the platform's once ``tasks.app`` is imported (by other tests' modules), and
# loading that one's configuration needs the servers' URLs. An app of its own, in UTC as
# the platform's is, keeps this test independent of which tests ran before it.
_UTC_APP = Celery("next-run", set_as_current=False)
_UTC_APP.conf.update(timezone="UTC", enable_utc=True)
_FIVE_MINUTES = schedule(timedelta(minutes=5), app=_UTC_APP)


def test_a_nightly_backup_is_due_at_two_whatever_the_delay_since_its_last_run() -> None:
    for delay in (timedelta(0), timedelta(seconds=3), timedelta(hours=5)):
        last_run = datetime.now(UTC) - delay
        assert _next_run(crontab(minute=0, hour=2, app=_UTC_APP), last_run).endswith("02:00:00")


def test_an_interval_is_due_one_period_after_the_last_run() -> None:
    last_run = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=10)
    due = datetime.strptime(_next_run(_FIVE_MINUTES, last_run), "%Y-%m-%d %H:%M:%S")
    assert due.replace(tzinfo=UTC) == last_run + timedelta(minutes=5)


def test_an_overdue_entry_is_due_now_not_in_the_past() -> None:
    last_run = datetime.now(UTC) - timedelta(hours=1)
    due = datetime.strptime(_next_run(_FIVE_MINUTES, last_run), "%Y-%m-%d %H:%M:%S")
    assert abs(due.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(seconds=5)
