"""Every role against every admin view and action, as ONE table.

Columns: Admin, Chief Registrar, Registrar, Starter, Coach, Athlete, Viewer; Y = allowed,
. = forbidden. Anonymous visitors are refused everything. Flask-AppBuilder answers a
forbidden page with 403 (signed in) or a redirect to the login (anonymous), and a
forbidden bulk action with a redirect and an "Access is Denied" flash: all three are
normalised to "forbidden". Rows use a primary key that does not exist, so an allowed
show/edit/delete answers 404 and the test changes nothing.
"""

import pytest

from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS, csrf_token
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]

ROLE_COLUMNS = (roles.ADMIN, roles.CHIEF_REGISTRAR, roles.REGISTRAR, roles.STARTER,
                roles.COACH, roles.ATHLETE, roles.VIEWER)

MATRIX = """
view                 operation              Adm Chf Reg Sta Coa Ath Vie
competitionview      list                    Y   Y   Y   Y   Y   Y   Y
competitionview      show                    Y   Y   Y   Y   Y   Y   Y
competitionview      add                     Y   Y   .   .   .   .   .
competitionview      edit                    Y   Y   .   .   .   .   .
competitionview      delete                  Y   Y   .   .   .   .   .
eventview            list                    Y   Y   Y   Y   Y   Y   Y
eventview            show                    Y   Y   Y   Y   Y   Y   Y
eventview            add                     Y   Y   .   .   .   .   .
eventview            edit                    Y   Y   .   .   .   .   .
eventview            delete                  Y   Y   .   .   .   .   .
roundview            list                    Y   Y   Y   Y   Y   Y   Y
roundview            show                    Y   Y   Y   Y   Y   Y   Y
roundview            add                     Y   Y   Y   .   .   .   .
roundview            edit                    Y   Y   Y   .   .   .   .
roundview            delete                  Y   Y   Y   .   .   .   .
roundview            action:seed_heats       Y   Y   Y   .   .   .   .
roundview            action:advance_round    Y   Y   Y   .   .   .   .
heatview             list                    Y   Y   Y   Y   Y   Y   Y
heatview             show                    Y   Y   Y   Y   Y   Y   Y
heatview             add                     Y   Y   Y   .   .   .   .
heatview             edit                    Y   Y   Y   Y   .   .   .
heatview             delete                  Y   Y   Y   .   .   .   .
heatview             action:start_heat       Y   Y   Y   Y   .   .   .
heatview             action:finish_heat      Y   Y   Y   Y   .   .   .
heatview             action:mark_official    Y   Y   Y   .   .   .   .
heatview             action:derive_results   Y   Y   Y   Y   .   .   .
laneassignmentview   list                    Y   Y   Y   Y   Y   Y   Y
laneassignmentview   show                    Y   Y   Y   Y   Y   Y   Y
laneassignmentview   add                     Y   Y   Y   .   .   .   .
laneassignmentview   edit                    Y   Y   Y   .   .   .   .
laneassignmentview   delete                  Y   Y   Y   .   .   .   .
clubview             list                    Y   Y   Y   Y   Y   Y   Y
clubview             show                    Y   Y   Y   Y   Y   Y   Y
clubview             add                     Y   Y   Y   .   .   .   .
clubview             edit                    Y   Y   Y   .   .   .   .
clubview             delete                  Y   Y   Y   .   .   .   .
athleteview          list                    Y   Y   Y   Y   Y   Y   Y
athleteview          show                    Y   Y   Y   Y   Y   Y   Y
athleteview          add                     Y   Y   Y   .   Y   .   .
athleteview          edit                    Y   Y   Y   .   Y   .   .
athleteview          delete                  Y   Y   Y   .   .   .   .
entryview            list                    Y   Y   Y   Y   Y   Y   Y
entryview            show                    Y   Y   Y   Y   Y   Y   Y
entryview            add                     Y   Y   Y   .   Y   .   .
entryview            edit                    Y   Y   Y   .   Y   .   .
entryview            delete                  Y   Y   Y   .   .   .   .
entryview            action:scratch          Y   Y   Y   .   .   .   .
entryview            action:check_in         Y   Y   Y   Y   .   .   .
chipassignmentview   list                    Y   Y   Y   .   .   .   .
chipassignmentview   show                    Y   Y   Y   .   .   .   .
chipassignmentview   add                     Y   Y   Y   .   .   .   .
chipassignmentview   edit                    Y   Y   Y   .   .   .   .
chipassignmentview   delete                  Y   Y   Y   .   .   .   .
chipassignmentview   action:release_chip     Y   Y   Y   .   .   .   .
resultview           list                    Y   Y   Y   Y   Y   Y   Y
resultview           show                    Y   Y   Y   Y   Y   Y   Y
resultview           add                     Y   Y   Y   Y   .   .   .
resultview           edit                    Y   Y   Y   Y   .   .   .
resultview           delete                  Y   Y   Y   .   .   .   .
attemptview          list                    Y   Y   Y   Y   Y   Y   Y
attemptview          show                    Y   Y   Y   Y   Y   Y   Y
attemptview          add                     Y   Y   Y   Y   .   .   .
attemptview          edit                    Y   Y   Y   Y   .   .   .
attemptview          delete                  Y   Y   Y   Y   .   .   .
resultrevisionview   list                    Y   Y   Y   .   .   .   .
resultrevisionview   show                    Y   Y   Y   .   .   .   .
recordview           list                    Y   Y   Y   Y   Y   Y   Y
recordview           show                    Y   Y   Y   Y   Y   Y   Y
recordview           add                     Y   Y   .   .   .   .   .
recordview           edit                    Y   Y   .   .   .   .   .
recordview           delete                  Y   Y   .   .   .   .   .
timingpointview      list                    Y   Y   Y   Y   Y   Y   Y
timingpointview      show                    Y   Y   Y   Y   Y   Y   Y
timingpointview      add                     Y   Y   .   .   .   .   .
timingpointview      edit                    Y   Y   .   .   .   .   .
timingpointview      delete                  Y   Y   .   .   .   .   .
timingdeviceview     list                    Y   Y   .   .   .   .   .
timingdeviceview     show                    Y   Y   .   .   .   .   .
timingdeviceview     add                     Y   Y   .   .   .   .   .
timingdeviceview     edit                    Y   Y   .   .   .   .   .
timingdeviceview     delete                  Y   Y   .   .   .   .   .
timingdeviceview     action:revoke_device    Y   Y   .   .   .   .   .
timingreadview       list                    Y   Y   .   .   .   .   .
timingreadview       show                    Y   Y   .   .   .   .   .
auditlogview         list                    Y   Y   .   .   .   .   .
auditlogview         show                    Y   Y   .   .   .   .   .
userprofileview      list                    Y   Y   .   .   .   .   .
userprofileview      show                    Y   Y   .   .   .   .   .
userprofileview      add                     Y   Y   .   .   .   .   .
userprofileview      edit                    Y   Y   .   .   .   .   .
userprofileview      delete                  Y   Y   .   .   .   .   .
users                list                    Y   Y   .   .   .   .   .
users                add                     Y   Y   .   .   .   .   .
backupview           list                    Y   .   .   .   .   .   .
backupview           show                    Y   .   .   .   .   .   .
failednotificationview list                  Y   .   .   .   .   .   .
failednotificationview show                  Y   .   .   .   .   .   .
maintenance/schedule page                    Y   .   .   .   .   .   .
my/subscriptions     page                    Y   Y   Y   Y   Y   Y   Y
my/notifications     page                    Y   Y   Y   Y   Y   Y   Y
"""

READ_ONLY_VIEWS = ("resultrevisionview", "timingreadview", "auditlogview", "backupview",
                   "failednotificationview")
#: views that are pages rather than models: (URL base in the matrix, class name)
PAGE_VIEWS = {"scheduleview": "maintenance/schedule", "mysubscriptionsview": "my/subscriptions",
              "mynotificationsview": "my/notifications"}
#: views open to anyone: the home page (what it shows comes from /api/home, by role)
OPEN_VIEWS = ("homeview",)


def _rows() -> list[tuple[str, str, dict[str, bool]]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    return [(view, op, dict(zip(ROLE_COLUMNS, (m == "Y" for m in marks), strict=True)))
            for view, op, *marks in lines]


ROWS = _rows()
MISSING_PK = 0


def _outcome(client, view: str, op: str, token: str) -> str:
    base = f"/{view}"
    if op == "list":
        response = client.get(f"{base}/list/")
    elif op == "show":
        response = client.get(f"{base}/show/{MISSING_PK}")
    elif op == "add":
        response = client.get(f"{base}/add")
    elif op == "edit":
        response = client.get(f"{base}/edit/{MISSING_PK}")
    elif op == "delete":
        response = client.post(f"{base}/delete/{MISSING_PK}", data={"csrf_token": token})
    elif op == "page":
        response = client.get(f"{base}/")
    else:
        action = op.removeprefix("action:")
        response = client.post(f"{base}/action_post",
                               data={"action": action, "csrf_token": token})
    with client.session_transaction() as session:
        flashes = [message for _, message in session.pop("_flashes", [])]
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return "forbidden"
    if any("Access is Denied" in str(m) for m in flashes):
        return "forbidden"
    # what an allowed request answers: the page, "no such row", or back to the list
    allowed_status = {"list": 200, "add": 200, "show": 404, "edit": 404, "delete": 404,
                      "page": 200}
    if response.status_code == allowed_status.get(op, 302):
        return "allowed"
    return f"unexpected {response.status_code}"


def test_the_matrix_covers_every_registered_view_and_action(admin_app):
    """Nothing registered escapes the table: every view, every action, every CRUD route."""
    covered = {(view, op) for view, op, _ in ROWS}
    for view in admin_app.appbuilder.baseviews:
        name = type(view).__name__.lower()
        if not type(view).__module__.startswith("webui.views.") or name in OPEN_VIEWS:
            continue
        if name in PAGE_VIEWS:
            assert (PAGE_VIEWS[name], "page") in covered, name
            continue
        ops = {"list", "show"} if name in READ_ONLY_VIEWS else {
            "list", "show", "add", "edit", "delete"}
        ops |= {f"action:{a}" for a in view.actions}
        assert {(name, op) for op in ops} <= covered, name


@pytest.mark.parametrize("role_name", ROLE_COLUMNS)
def test_role_against_every_view_and_action(signed_in, role_name):
    client = signed_in(role_name)
    token = csrf_token(client, "/resetmypassword/form")
    wrong = []
    for view, op, expected in ROWS:
        got = _outcome(client, view, op, token)
        want = "allowed" if expected[role_name] else "forbidden"
        if got != want:
            wrong.append(f"{view} {op}: {got}, matrix says {want}")
    assert wrong == []


def test_anonymous_is_refused_everything(admin_app, meet):
    client = admin_app.test_client()
    token = csrf_token(client, "/login/")
    wrong = [f"{view} {op}" for view, op, _ in ROWS
             if _outcome(client, view, op, token) != "forbidden"]
    assert wrong == []


@pytest.mark.parametrize("view", READ_ONLY_VIEWS)
def test_read_only_views_have_no_write_routes(signed_in, view):
    client = signed_in(roles.ADMIN)
    assert client.get(f"/{view}/add").status_code == 404
    assert client.get(f"/{view}/edit/1").status_code == 404
    token = csrf_token(client, "/resetmypassword/form")  # past the CSRF check: no route at all
    assert client.post(f"/{view}/delete/1", data={"csrf_token": token}).status_code in (404, 405)
