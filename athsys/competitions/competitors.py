"""Who an entry is, in queries: an athlete, or a relay team of a club.

Queries that show an entry's name and club join the athlete with an OUTER join (a relay
team has none) and read these expressions: a team's name stands in the last-name column,
its first name is blank, and its club is the team's own (an athlete's is their club).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal

from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import Entry

#: the last-name column: the athlete's, or the relay team's name
LAST_NAME: ColumnElement[str] = func.coalesce(Entry.team_name, Athlete.last_name)
#: the first-name column: blank for a relay team
FIRST_NAME: ColumnElement[str] = func.coalesce(Athlete.first_name, literal(""))
#: the club of the entry: the relay team's, or the athlete's
CLUB_ID: ColumnElement[int] = func.coalesce(Entry.club_id, Athlete.club_id)


def join_competitor(stmt: Select[Any]) -> Select[Any]:
    """``stmt`` (which selects from Entry) with the entry's athlete, if any, and its club."""
    return (stmt.outerjoin(Athlete, Athlete.id == Entry.athlete_id)
            .outerjoin(Club, Club.id == CLUB_ID))
