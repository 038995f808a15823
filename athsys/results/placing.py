"""Places of timed heats, ranked in the database.

Ties share a place at 1/1000 s and the next place skips (``rank()``); results without a mark
or with a status other than OK have no place. Only rows whose place changes are written.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, INTEGER
from sqlalchemy.orm import Session

_RANKED = "status = 'OK' AND mark IS NOT NULL"
PLACE_IN_HEAT = (
    f"CASE WHEN {_RANKED} THEN rank() OVER (PARTITION BY heat_id, {_RANKED} ORDER BY mark) END"
)
"""The place of a row among rows with ``heat_id``, ``status`` and ``mark`` columns."""


def place_heats(session: Session, heat_ids: Iterable[int]) -> int:
    """Rank the results of ``heat_ids`` by mark; returns how many places changed."""
    heats = sorted(set(heat_ids))
    if not heats:
        return 0
    result = session.execute(
        text(
            "UPDATE result r SET place = ranked.place FROM ("  # nosec B608 # only constant SQL fragments are joined; values are bound parameters
            f" SELECT id, {PLACE_IN_HEAT} AS place FROM result WHERE heat_id = ANY(:heats))"
            " AS ranked"
            " WHERE r.id = ranked.id AND r.place IS DISTINCT FROM ranked.place"
        ).bindparams(bindparam("heats", type_=ARRAY(INTEGER))),
        {"heats": heats},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
