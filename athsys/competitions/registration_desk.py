"""The registration desk and the call room: find an athlete's entries by bib or name, as
the registrar types, and the counts of the day.

Searching is server-side and bounded (``limit`` lines): a marathon's 30,000 entries are
never sent to a tablet. A bib matches from its start (``12`` finds 12, 120, 1234), a name
anywhere in the first or last name, case and accents as typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from athsys.athletes.models import Club
from athsys.competitions.competitors import FIRST_NAME, LAST_NAME, join_competitor
from athsys.competitions.models import Entry, EntryStatus, Event
from athsys.competitions.pickers import entries_matching
from athsys.sport.disciplines import discipline

SEARCH_LIMIT = 25


@dataclass(frozen=True)
class DeskLine:
    entry_id: int
    bib: str
    name: str
    club: str
    event: str
    status: str
    team_club_id: int | None = None  # a relay team: its club, whose athletes run its legs
    legs: int = 0  # a relay team: how many legs its discipline has


@dataclass(frozen=True)
class DeskCounts:
    entries: int
    checked_in: int
    scratched: int


def find_entries(session: Session, competition_id: int, text: str,
                 limit: int = SEARCH_LIMIT) -> list[DeskLine]:
    """The competition's entries whose bib starts with ``text`` or whose athlete's (or relay
    team's) name holds it, bib order (found as the entries picker finds them)."""
    wanted = " ".join(text.split())
    if not wanted:
        return []
    rows = session.execute(
        join_competitor(select(Entry.id, Entry.bib, FIRST_NAME, LAST_NAME, Club.code,
                               Event.name, Entry.status, Entry.club_id, Event.discipline_code))
        .join(Event, Event.id == Entry.event_id)
        .where(Entry.competition_id == competition_id, Entry.id.in_(entries_matching(wanted)))
        .order_by(func.length(Entry.bib), Entry.bib, Event.name).limit(limit)
    ).all()
    return [DeskLine(entry_id, bib, f"{first} {last}".strip(), club or "", event, status.value,
                     team_club, len(discipline(code).legs_m) if team_club else 0)
            for entry_id, bib, first, last, club, event, status, team_club, code in rows]


def desk_counts(session: Session, competition_id: int) -> DeskCounts:
    counts = dict(session.execute(
        select(Entry.status, func.count()).where(Entry.competition_id == competition_id)
        .group_by(Entry.status)).all())
    return DeskCounts(
        entries=sum(counts.values()),
        checked_in=counts.get(EntryStatus.CHECKED_IN, 0),
        scratched=counts.get(EntryStatus.SCRATCHED, 0),
    )
