"""A list page's search form filters by athlete, event, heat or entry through the same
server-side pickers as the forms: with 500 athletes the entries page carries none of them
(Flask-AppBuilder would render each into the filter's select), only the one an active filter
names, and the picker finds an athlete by a typed prefix."""

import json
import re
from datetime import date

import pytest

from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import Entry
from athsys.sport.sex import Sex
from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]

CROWD = 500


@pytest.fixture(scope="module")
def crowd(admin_app, meet):
    """500 athletes named Crowd<tag> (one entered in the 100 m); returns that one's id."""
    with admin_app.app_context():
        session = admin_app.appbuilder.session
        club = Club(name=f"Crowd Club {meet.tag}", code=f"XC{meet.tag}")
        athletes = [Athlete(first_name=f"Runner{n:03d}", last_name=f"Crowd{meet.tag}",
                            sex=Sex.FEMALE, club=club, birth_date=date(2000, 1, 1))
                    for n in range(CROWD)]
        session.add_all([club, *athletes])
        session.flush()
        session.add(Entry(event_id=meet.sprint_event_id, competition_id=meet.competition_id,
                          athlete=athletes[123], bib=f"{meet.tag}X"))
        session.commit()
        return athletes[123].id


def _search_fields(page: str) -> dict[str, str]:
    """The search form's fields as the page hands them to Flask-AppBuilder's filter script."""
    found = re.search(r"new AdminFilters\(\s*'#filter_form',\s*(.*?)\n\s*\);", page, re.S)
    assert found is not None, "no search form"
    arguments = json.loads(f"[{found.group(1)}]")
    return arguments[1]


def test_the_entry_search_form_carries_no_athlete(admin_app, meet, crowd, signed_in):
    client = signed_in(roles.REGISTRAR)
    page = client.get("/entryview/list/").get_data(as_text=True)
    fields = _search_fields(page)
    for name, kind in (("athlete", "athletes"), ("event", "events")):
        assert 'class="form-control athsys-picker' in fields[name], name
        assert f'data-picker="/api/pickers/{kind}"' in fields[name], name
        assert re.findall(r"<option", fields[name]) == ["<option"], name  # the blank one
    assert f"Crowd{meet.tag}" not in page
    assert "athsys/pickers.js" in page


def test_an_active_filter_shows_its_athlete_and_filters_the_list(admin_app, meet, crowd,
                                                                  signed_in):
    client = signed_in(roles.REGISTRAR)
    page = client.get(f"/entryview/list/?_flt_0_athlete={crowd}").get_data(as_text=True)
    athlete = _search_fields(page)["athlete"]
    assert re.findall(r'<option value="(\d*)"', athlete) == ["", str(crowd)]
    assert f"Crowd{meet.tag}, Runner123 (XC{meet.tag})" in athlete
    assert f"{meet.tag}X" in page  # the crowd athlete's entry is listed
    assert f">{meet.tag}1<" not in page  # the meet athlete's entry is not
    # an id that names nobody offers nothing (and lists nothing)
    nobody = client.get("/entryview/list/?_flt_0_athlete=2147483647").get_data(as_text=True)
    assert re.findall(r"<option", _search_fields(nobody)["athlete"]) == ["<option"]


def test_the_picker_finds_the_athlete_by_a_typed_prefix(admin_app, meet, crowd, signed_in):
    client = signed_in(roles.REGISTRAR)
    answer = client.get(f"/api/pickers/athletes?q=runner123 crowd{meet.tag.lower()}")
    assert answer.status_code == 200
    assert answer.get_json()["data"] == [
        {"id": crowd, "text": f"Crowd{meet.tag}, Runner123 (XC{meet.tag})"}]
    many = client.get(f"/api/pickers/athletes?q=crowd{meet.tag}").get_json()["data"]
    assert len(many) == 20  # at most 20 of the 500
