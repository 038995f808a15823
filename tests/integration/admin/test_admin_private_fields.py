"""Private fields (an athlete's licence and birth date) cannot be searched, filtered or sorted
by those who may not see them: a Viewer cannot find whose licence a number is, through the
admin list (``_flt_*``, ``_oc_``), the search form, or the REST API.

The meet has two athletes of two clubs: ``Own<tag>`` (licence ``L<tag>A``, born 2001) and
``Rival<tag>`` (licence ``L<tag>B``, born 1999).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token

from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS, USERNAMES, Meet
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]

#: Flask-AppBuilder's string filters: starts with, ends with, contains, equal.
STRING_FILTERS = (0, 1, 2, 3)


def _names(client: FlaskClient, meet: Meet, query: str) -> list[str]:
    """The athletes of the meet a list answers, in the order shown."""
    page = client.get(f"/athleteview/list/?_flt_2_last_name={meet.tag}&{query}")
    assert page.status_code == 200
    return re.findall(rf"(?:Own|Rival){meet.tag}", page.get_data(as_text=True))


@pytest.mark.parametrize("index", STRING_FILTERS)
def test_a_viewer_cannot_filter_by_licence(signed_in: Callable[[str], FlaskClient], meet: Meet,
                                           index: int) -> None:
    rival_licence = f"L{meet.tag}B"
    value = {0: rival_licence, 1: "B", 2: rival_licence, 3: rival_licence}[index]
    query = f"_flt_{index}_licence={value}"
    staff = signed_in(roles.REGISTRAR)
    assert _names(staff, meet, query) == [f"Rival{meet.tag}"]  # the filter works for staff
    for role in (roles.VIEWER, roles.STARTER, roles.ATHLETE, roles.COACH):
        client = signed_in(role)
        names = _names(client, meet, query)
        assert names == [f"Own{meet.tag}", f"Rival{meet.tag}"], (role, names)
        page = client.get(f"/athleteview/list/?{query}").get_data(as_text=True)
        assert "that filter was left out" in page
        assert rival_licence not in page.replace(query, "")  # only the links echo the query


@pytest.mark.parametrize("column", ["licence", "birth_date"])
def test_a_viewer_cannot_sort_by_a_private_column(signed_in: Callable[[str], FlaskClient],
                                                  meet: Meet, column: str) -> None:
    # sorted by licence descending or birth date ascending, Rival comes first
    direction = "desc" if column == "licence" else "asc"
    query = f"_oc_AthleteView={column}&_od_AthleteView={direction}"
    if column == "licence":
        assert _names(signed_in(roles.REGISTRAR), meet, query)[0] == f"Rival{meet.tag}"
    for role in (roles.VIEWER, roles.COACH):
        assert _names(signed_in(role), meet, query) == [f"Own{meet.tag}", f"Rival{meet.tag}"]


def test_no_list_sorts_by_a_related_rows_column(signed_in: Callable[[str], FlaskClient],
                                                meet: Meet) -> None:
    """Flask-AppBuilder would sort entries by ``athlete.licence``; only sortable columns
    count (entries by bib: Own<tag> has bib <tag>1, Rival<tag> bib <tag>2)."""
    for role in (roles.VIEWER, roles.REGISTRAR):
        page = signed_in(role).get(
            f"/entryview/list/?_flt_0_bib={meet.tag}"
            "&_oc_EntryView=athlete.licence&_od_EntryView=desc")
        assert page.status_code == 200
        # the search form's athlete choices come first, then the rows
        found = re.findall(rf"(?:OWN|RIVAL){meet.tag}", page.get_data(as_text=True))
        assert found[-2:] == [f"OWN{meet.tag}", f"RIVAL{meet.tag}"], (role, found)


def test_the_search_form_offers_private_columns_only_to_staff(
        signed_in: Callable[[str], FlaskClient]) -> None:
    offered = re.compile(r'<a href="#" name="(\w+)" class="filter">')
    viewer = offered.findall(signed_in(roles.VIEWER).get("/athleteview/list/").get_data(
        as_text=True))
    assert "last_name" in viewer and "licence" not in viewer
    staff = offered.findall(signed_in(roles.REGISTRAR).get("/athleteview/list/").get_data(
        as_text=True))
    assert "licence" in staff


def test_the_api_neither_filters_nor_sorts_by_licence(admin_app: Flask, meet: Meet) -> None:
    with admin_app.app_context():
        sm = admin_app.appbuilder.sm  # type: ignore[attr-defined]
        viewer = sm.find_user(username=USERNAMES[roles.VIEWER])
        headers = {"Authorization": f"Bearer {create_access_token(identity=str(viewer.id))}"}
    client = admin_app.test_client()
    for query in (f"licence=L{meet.tag}B", "order_by=licence", "sort=licence",
                  "birth_date=1999-01-02", "order_by=birth_date"):
        response = client.get(f"/api/athletes?{query}", headers=headers)
        assert response.status_code == 400, (query, response.get_json())
    listed = client.get(f"/api/athletes?last_name=Rival{meet.tag}", headers=headers)
    assert listed.status_code == 200
    (rival,) = listed.get_json()["data"]
    assert "licence" not in rival and "birth_date" not in rival
    assert f"L{meet.tag}B" not in listed.get_data(as_text=True)
