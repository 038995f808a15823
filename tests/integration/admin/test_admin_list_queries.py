"""Admin lists never issue N+1 queries: 100 rows cost the same statements as 10."""

from datetime import date

import pytest

from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import Entry, Event, Heat, Round, RoundKind
from athsys.results.models import Result
from athsys.sport.disciplines import discipline
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex
from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS
from tests.support.statements import app_engine, ours, statements
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]

ROWS = 100
# Statements on our tables: count, page, one per eager-loaded relation (selectin); the search
# form's related fields are pickers and read nothing. Flask-AppBuilder adds its own on ab_*
# tables (the user, roles, groups) and our security manager one for all the permissions the
# menu, buttons and actions ask about.
DOMAIN_STATEMENT_BOUND = 8
STATEMENT_BOUND = 14


@pytest.fixture(scope="module")
def hundred_results(admin_app, meet):
    with admin_app.app_context():
        session = admin_app.appbuilder.session
        club = Club(name=f"Big Club {meet.tag}", code=f"BC{meet.tag}")
        found = discipline("200m")
        event_ = Event(competition_id=meet.competition_id, discipline_code="200m",
                       name=found.name, sex=Sex.MALE, kind=found.kind)
        heat = Heat(round=Round(event=event_, kind=RoundKind.FINAL), number=1)
        session.add_all([club, event_, heat])
        session.flush()
        for n in range(ROWS):
            athlete = Athlete(first_name=f"Runner{n}", last_name=f"Many{meet.tag}", sex=Sex.MALE,
                              club=club, birth_date=date(2000, 1, 1 + n % 28))
            entry = Entry(event=event_, competition_id=meet.competition_id, athlete=athlete,
                          bib=f"{meet.tag}M{n}", seed_mark=20_000 + n * 10)
            session.add(Result(heat=heat, entry=entry, mark=20_000 + n * 7, place=n + 1,
                               status=ResultStatus.OK, wind=-3))
        session.commit()
        return event_.id


def _statements(admin_app, client, url):
    with statements(app_engine(admin_app)) as seen:
        response = client.get(url)
    assert response.status_code == 200
    return len(seen), len(ours(seen)), response.get_data(as_text=True)


@pytest.mark.parametrize(("view", "shown"), [
    ("EntryView", "20.00"),  # a seed mark, in notation (20 000 ms)
    ("ResultView", "20.00"),
    ("AthleteView", "Runner"),
    ("LaneAssignmentView", None),
    ("HeatView", None),
])
def test_a_page_of_100_rows_costs_what_a_page_of_10_costs(admin_app, signed_in,
                                                           hundred_results, view, shown):
    client = signed_in(roles.ADMIN)
    base = f"/{view.lower()}/list/"
    client.get(base)  # warm the caches FAB fills on first use
    small, small_domain, _ = _statements(admin_app, client, f"{base}?psize_{view}=10")
    large, large_domain, page = _statements(admin_app, client, f"{base}?psize_{view}={ROWS}")
    assert (large, large_domain) == (small, small_domain)
    assert large_domain <= DOMAIN_STATEMENT_BOUND
    assert large <= STATEMENT_BOUND
    if shown:
        assert shown in page
