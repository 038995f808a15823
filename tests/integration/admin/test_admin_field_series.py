"""Field attempts entered one at a time in the admin are checked against the whole series."""

import html

import pytest
from sqlalchemy import select

from athsys.competitions.models import Entry
from athsys.results.models import Attempt
from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS, post_form
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]


@pytest.fixture(scope="module")
def jumper(admin_app, meet) -> int:  # type: ignore[no-untyped-def]
    """The rival, entered in the long jump of the test meet."""
    with admin_app.app_context():
        session = admin_app.appbuilder.session
        entry = Entry(event_id=meet.long_jump_event_id, competition_id=meet.competition_id,
                      athlete_id=meet.other_athlete_id, bib=f"{meet.tag}LJ")
        session.add(entry)
        session.commit()
        return entry.id


def _attempts(app, entry_id: int) -> list[tuple[int, str, int | None]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(
            select(Attempt.sequence, Attempt.outcome, Attempt.mark)
            .where(Attempt.entry_id == entry_id).order_by(Attempt.sequence)
        ).all()
        session.rollback()
        return [(seq, outcome.value, mark) for seq, outcome, mark in rows]


def test_attempts_get_the_next_sequence_and_bad_ones_name_the_trial(admin_app, meet, jumper,
                                                                    signed_in):
    client = signed_in(roles.STARTER)
    for mark in ("6.41", "6.52"):
        _, _, flashes = post_form(client, "/attemptview/add", {
            "heat": meet.long_jump_heat_id, "entry": jumper, "outcome": "m", "mark": mark,
            "wind": "+0.4",
        })
        assert any("Added Row" in f for f in flashes), flashes
    assert _attempts(admin_app, jumper) == [(1, "m", 6410), (2, "m", 6520)]

    _, page, flashes = post_form(client, "/attemptview/add", {
        "heat": meet.long_jump_heat_id, "entry": jumper, "outcome": "r",
    })
    shown = html.unescape(page) + " ".join(flashes)
    assert "trial 3: r (retired) is for vertical jumps" in shown
    assert _attempts(admin_app, jumper) == [(1, "m", 6410), (2, "m", 6520)]
