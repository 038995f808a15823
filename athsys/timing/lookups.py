"""Look-ups and locks the ingestion modules share: the competition and its time zone, a heat
and its competition, the per-competition processing lock, and the leaderboard refresh
request that ends every change of results."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from athsys.competitions.models import Competition, Event, Heat, Round
from athsys.errors import NotFoundError

PROCESSING_LOCK_NAMESPACE = 7301
"""First key of the advisory lock that serialises processing per competition."""
BIB_CHIP_PREFIX = "#bib:"
"""Reads identified by bib only are matched as if the bib were a chip of its entry."""


def get_competition(session: Session, competition_id: int) -> Competition:
    competition = session.get(Competition, competition_id)
    if competition is None:
        raise NotFoundError(f"competition {competition_id} does not exist")
    return competition


def heat_with_competition(session: Session, heat_id: int) -> tuple[Heat, int]:
    row = session.execute(
        select(Heat, Event.competition_id).join(Round, Round.id == Heat.round_id)
        .join(Event, Event.id == Round.event_id).where(Heat.id == heat_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"heat {heat_id} does not exist")
    return row[0], row[1]


def lock_competition(session: Session, competition_id: int) -> None:
    """Serialise result computation of one competition until the transaction ends."""
    session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, :id)"),
        {"ns": PROCESSING_LOCK_NAMESPACE, "id": competition_id},
    )
