"""Admin lists never issue N+1 queries: 100 rows cost the same statements as 10; every list
page (found in the url_map, so a new one is bounded too) and the heat edit page, which lists
the heat's results below the form, stay under a fixed bound."""

from datetime import date

import pytest

from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import Entry, Event, Heat, LaneAssignment, Round, RoundKind
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
# The heat edit page: the heat, its form's pickers, and three related lists (start list,
# results, attempts), each a count, a page and its relations.
EDIT_STATEMENT_BOUND = 30


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
            session.add(LaneAssignment(heat=heat, entry=entry, position=n + 1))
        session.commit()
        return heat.id


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


def test_every_list_page_stays_under_the_bound(admin_app, signed_in, hundred_results):
    client = signed_in(roles.ADMIN)
    pages = sorted(rule.rule for rule in admin_app.url_map.iter_rules()
                   if rule.endpoint.endswith(".list") and rule.rule.endswith("/list/"))
    assert len(pages) > 20
    over = {}
    for page in pages:
        client.get(page)  # warm the caches FAB fills on first use
        total, domain, _ = _statements(admin_app, client, page)
        if total > STATEMENT_BOUND or domain > DOMAIN_STATEMENT_BOUND:
            over[page] = (total, domain)
    assert over == {}


def test_the_edit_page_of_a_heat_of_100_costs_what_a_heat_of_one_costs(
        admin_app, signed_in, meet, hundred_results):
    """The page lists the heat's start list, results and attempts below the form."""
    client = signed_in(roles.ADMIN)
    client.get(f"/heatview/edit/{meet.sprint_heat_id}")
    small, small_domain, _ = _statements(admin_app, client,
                                         f"/heatview/edit/{meet.sprint_heat_id}")
    large, large_domain, page = _statements(admin_app, client,
                                            f"/heatview/edit/{hundred_results}")
    assert (large, large_domain) == (small, small_domain)
    assert large <= EDIT_STATEMENT_BOUND
    assert "Runner99" in page or "Runner0" in page
