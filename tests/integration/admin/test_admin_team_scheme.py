"""The meet director chooses the team scheme in the competition's form: written in a short
notation, stored whole; one that cannot be applied is refused and nothing is written."""

import pytest

from athsys.competitions.models import Competition
from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS, fetch, post_form
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]


def _form(competition: Competition, team_scheme: str) -> dict[str, object]:
    return {"name": competition.name, "venue": competition.venue,
            "start_date": str(competition.start_date), "end_date": str(competition.end_date),
            "time_zone": competition.time_zone, "status": competition.status.value,
            "age_categories": competition.age_categories, "team_scheme": team_scheme}


def test_the_team_scheme_is_chosen_in_the_competition_form(admin_app, meet, signed_in):
    client = signed_in(roles.ADMIN)
    edit = f"/competitionview/edit/{meet.competition_id}"
    competition = fetch(admin_app, Competition, meet.competition_id)
    assert 'name="team_scheme"' in client.get(edit).get_data(as_text=True)

    status, page, flashes = post_form(client, edit, _form(competition, "league; cap 3"))
    assert "cannot read 'cap 3'" in page, flashes
    assert fetch(admin_app, Competition, meet.competition_id).team_scheme is None

    status, _, flashes = post_form(client, edit, _form(competition, "league; scorers 3"))
    assert status == 302 and any("Changed Row" in f for f in flashes), flashes
    assert fetch(admin_app, Competition, meet.competition_id).team_scheme == {
        "scoring": "points", "points": [8, 7, 6, 5, 4, 3, 2, 1], "scorers": 3, "relays": True}
    assert 'value="league; scorers 3"' in client.get(edit).get_data(as_text=True)
    shown = client.get(f"/competitionview/show/{meet.competition_id}").get_data(as_text=True)
    assert "league; scorers 3" in shown

    status, _, flashes = post_form(client, edit, _form(competition, ""))
    assert status == 302, flashes
    assert fetch(admin_app, Competition, meet.competition_id).team_scheme is None
