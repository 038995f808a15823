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
    # every last run since the latest 02:00 (a last run before it makes the backup overdue,
    # due now: the test below), so the test holds whatever the time of day
    now = datetime.now(UTC)
    latest_two = now.replace(hour=2, minute=0, second=0, microsecond=0)
    if latest_two > now:
        latest_two -= timedelta(days=1)
    since = now - latest_two
    for delay in (timedelta(0), min(timedelta(seconds=3), since / 2), since / 2, since * 0.99):
        last_run = now - delay
        assert _next_run(crontab(minute=0, hour=2, app=_UTC_APP), last_run).endswith("02:00:00")


def test_an_interval_is_due_one_period_after_the_last_run() -> None:
    last_run = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=10)
    due = datetime.strptime(_next_run(_FIVE_MINUTES, last_run), "%Y-%m-%d %H:%M:%S")
    assert due.replace(tzinfo=UTC) == last_run + timedelta(minutes=5)


def test_an_overdue_entry_is_due_now_not_in_the_past() -> None:
    last_run = datetime.now(UTC) - timedelta(hours=1)
    due = datetime.strptime(_next_run(_FIVE_MINUTES, last_run), "%Y-%m-%d %H:%M:%S")
    assert abs(due.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(seconds=5)
