import pytest

from athsys.backups import housekeeping
from athsys.config import Settings
from athsys.jobs import TaskName

pytestmark = pytest.mark.integration


def test_maintenance_pages_register_and_show_the_schedule(settings: Settings, redis_client) -> None:
    from webui.app import create_app
    from webui.views.maintenance import register_maintenance_views, schedule_rows

    app = create_app(settings)
    with app.app_context():
        register_maintenance_views(app.appbuilder)
        housekeeping.record_run(redis_client, TaskName.BACKUP_DATABASE, "failure",
                                "backup directory /x cannot be created")
        rows = {row["entry"]: row for row in schedule_rows()}
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert "/maintenance/schedule/" in rules and "/maintenance/schedule/backup-now" in rules
    assert "/backupview/list/" in rules and "/failednotificationview/list/" in rules
    backup = rows["backup-database"]
    assert backup["queue"] == "maintenance" and backup["outcome"] == "failure"
    assert "cannot be created" in backup["detail"]
    assert backup["next_run"].endswith("02:00:00")
    assert rows["beat-heartbeat"]["last_run"] is None or rows["beat-heartbeat"]["outcome"]
