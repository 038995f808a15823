"""Admin pages of the scheduled work: backups (with "back up now"), notifications that failed
for good, and the beat schedule with each task's next run, last run and last outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from flask import current_app, flash, redirect, render_template_string, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.filters import FilterEqual

from athsys.accounts.roles import BACKUPS, FAILED_NOTIFICATIONS, SCHEDULE
from athsys.backups import housekeeping
from athsys.backups.models import Backup
from athsys.jobs import TASK_QUEUES, TaskName
from athsys.notifications.models import Notification, NotificationStatus
from webui.views.base import AthsysInterface, AthsysModelView

CATEGORY: Final = "Maintenance"

_SCHEDULE_PAGE = """{% extends appbuilder.base_template %}
{% block content %}
<h2>Scheduled tasks</h2>
<form method="post" action="{{ url_for('ScheduleView.backup_now') }}" class="mb-3">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <button type="submit" class="btn btn-primary">Back up now</button>
</form>
<table class="table table-sm">
  <tr><th>Entry</th><th>Task</th><th>Queue</th><th>Schedule</th><th>Next run (UTC)</th>
      <th>Last run (UTC)</th><th>Last outcome</th></tr>
  {% for row in rows %}
  <tr>
    <td>{{ row.entry }}</td><td><code>{{ row.task }}</code></td><td>{{ row.queue }}</td>
    <td>{{ row.schedule }}</td><td>{{ row.next_run }}</td><td>{{ row.last_run or "never" }}</td>
    <td class="{{ 'text-danger' if row.outcome == 'failure' else '' }}">
      {{ row.outcome or "" }} {{ row.detail or "" }}</td>
  </tr>
  {% endfor %}
</table>
{% endblock %}
"""


class BackupView(AthsysModelView):
    datamodel = AthsysInterface(Backup)
    class_permission_name = BACKUPS
    include_route_methods = {"list", "show"}
    list_columns = ["created_at", "filename", "status", "size", "sha256", "error"]
    show_columns = [*list_columns, "path", "finished_at"]
    base_order = ("created_at", "desc")


class FailedNotificationView(AthsysModelView):
    datamodel = AthsysInterface(Notification)
    class_permission_name = FAILED_NOTIFICATIONS
    include_route_methods = {"list", "show"}
    base_filters = [["status", FilterEqual, NotificationStatus.FAILED]]
    list_columns = ["created_at", "kind", "subscription_id", "attempts", "last_error"]
    show_columns = [*list_columns, "result_id", "claimed_at", "payload"]
    base_order = ("created_at", "desc")


def schedule_rows(now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per beat entry: when it runs next and how it last ended."""
    from athsys.redis_client import make_redis
    from tasks.app import celery_app

    now = now or datetime.now(UTC)
    client = make_redis(current_app.config["ATHSYS_SETTINGS"])
    try:
        runs = housekeeping.last_runs(client)
    finally:
        client.close()
    rows = []
    for name, entry in celery_app.conf.beat_schedule.items():
        task = str(entry["task"])
        schedule = entry["schedule"]
        last = runs.get(task)
        rows.append({
            "entry": name,
            "task": task,
            "queue": entry["options"]["queue"],  # type: ignore[index]
            "schedule": str(schedule),
            "next_run": _next_run(schedule, last.at if last else now),
            "last_run": f"{last.at:%Y-%m-%d %H:%M:%S}" if last else None,
            "outcome": last.outcome if last else None,
            "detail": last.detail if last and last.outcome == "failure" else None,
        })
    return rows


def _next_run(schedule: Any, last_run: datetime) -> str:
    """When *schedule* is next due after *last_run*.

    Celery's ``remaining_estimate`` counts from the moment it reads the clock, not from
    *last_run*, so the due time is the moment just after plus the estimate (never in the
    past). The clock is read after the estimate: its first call loads Celery's app, which
    under load took longer than the half second the rounding absorbs.
    """
    from celery.schedules import schedule as celery_schedule

    if isinstance(schedule, timedelta):
        schedule = celery_schedule(schedule)
    remaining = max(schedule.remaining_estimate(last_run), timedelta(0))
    due = datetime.now(UTC) + remaining
    return f"{due + timedelta(microseconds=500_000):%Y-%m-%d %H:%M:%S}"


class ScheduleView(BaseView):
    route_base = "/maintenance/schedule"
    class_permission_name = SCHEDULE
    default_view = "schedule"

    @expose("/")
    @has_access
    def schedule(self) -> Any:
        return render_template_string(_SCHEDULE_PAGE, rows=schedule_rows(),
                                      appbuilder=self.appbuilder)

    @expose("/backup-now", methods=["POST"])
    @has_access
    def backup_now(self) -> Any:
        from tasks.app import celery_app

        celery_app.send_task(TaskName.BACKUP_DATABASE,
                             queue=TASK_QUEUES[TaskName.BACKUP_DATABASE])
        flash("Backup requested; it appears under Backups when it finishes.", "info")
        return redirect(url_for("ScheduleView.schedule"))


def register_maintenance_views(appbuilder: Any) -> None:
    """Add the maintenance pages under one menu category (call once, in the app context)."""
    appbuilder.add_view(BackupView, BACKUPS, icon="fa-database", category=CATEGORY)
    appbuilder.add_view(FailedNotificationView, FAILED_NOTIFICATIONS, icon="fa-bell-slash",
                        category=CATEGORY)
    appbuilder.add_view(ScheduleView, SCHEDULE, icon="fa-clock", category=CATEGORY)
