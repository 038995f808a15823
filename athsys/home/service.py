"""One actor's home: the competitions around today and the sections of its roles."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.accounts.roles import CHIEF_REGISTRAR, REGISTRAR, STARTER
from athsys.competitions.models import Competition, CompetitionStatus
from athsys.home import meet_status, officials, people

#: Competitions shown: running today, or starting within this many days.
DAYS_AHEAD: Final = 7
COMPETITIONS_LIMIT: Final = 10
#: Roles that prepare competitions and so see drafts too.
ORGANISERS: Final = (CHIEF_REGISTRAR, REGISTRAR, STARTER)


def competitions_around(session: Session, today: date, drafts: bool) -> list[dict[str, Any]]:
    """Competitions running today or starting within a week, soonest first."""
    query = select(Competition).where(
        Competition.end_date >= today, Competition.start_date <= today + timedelta(DAYS_AHEAD))
    if not drafts:
        query = query.where(Competition.status != CompetitionStatus.DRAFT)
    found = session.scalars(query.order_by(Competition.start_date, Competition.id)
                            .limit(COMPETITIONS_LIMIT))
    return [{"id": c.id, "name": c.name, "venue": c.venue, "status": c.status.value,
             "start_date": c.start_date.isoformat(), "end_date": c.end_date.isoformat(),
             "today": c.start_date <= today} for c in found]


def home_for(session: Session, actor: Actor, now: datetime,
             queue_depth: Mapping[str, int] | None) -> dict[str, Any]:
    """What ``actor`` sees first: each section is there only for the roles that use it."""
    organiser = actor.is_admin or actor.has_role(*ORGANISERS)
    competitions = competitions_around(session, now.date(), drafts=organiser)
    running = [c["id"] for c in competitions if c["today"]] or [c["id"] for c in competitions]
    home: dict[str, Any] = {"user": actor.username, "roles": sorted(actor.roles),
                            "now": now.isoformat(), "competitions": competitions}
    if actor.is_admin or actor.has_role(CHIEF_REGISTRAR):
        status = meet_status.meet_status(session, running, now, queue_depth)
        home["dashboard"] = {**status.as_dict(),
                             "warnings": meet_status.warnings(status, now)}
    if actor.is_admin or actor.has_role(STARTER):
        home["next_heats"] = officials.next_heats(session, running, officials.TRACK_KINDS)
        home["field_events"] = officials.next_heats(session, running, officials.FIELD_KINDS)
    if actor.is_admin or actor.has_role(CHIEF_REGISTRAR, REGISTRAR):
        home["check_in"] = officials.check_in_counts(session, running)
    if actor.club_id is not None:
        home["club_entries"] = people.upcoming_entries(
            session, people.club_athletes(actor.club_id), now.date())
        home["club_relay_teams"] = people.club_relay_teams(session, actor.club_id, now.date())
    if actor.athlete_id is not None:
        home["my_entries"] = people.upcoming_entries(
            session, people.the_athlete(actor.athlete_id), now.date())
        home["my_results"] = people.recent_results(session, actor.athlete_id)
        home["personal_bests"] = people.personal_bests(session, actor.athlete_id)
    return home
