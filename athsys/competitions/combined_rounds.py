"""What a round is run as, when its event is a combined event.

A combined event (decathlon, heptathlon, pentathlon) is one :class:`Event` whose rounds are
its events in the order held: the decathlon's round 1 is the 100 m, round 2 the long jump.
Results, seeding and the field-series rules need to know which discipline a round is.
"""

from __future__ import annotations

from athsys.competitions.models import Round
from athsys.errors import ValidationError
from athsys.sport.combined import combined_competition_key, get_competition
from athsys.sport.disciplines import DISCIPLINES, Discipline, EventKind, discipline
from athsys.sport.marks import Measure


def combined_event_key(rnd: Round) -> str | None:
    """The event of the tables a round of a combined event is (``"LJ"``); None otherwise."""
    event = rnd.event
    if event.kind is not EventKind.COMBINED:
        return None
    events = get_competition(combined_competition_key(event.discipline_code, event.sex)).events
    if not 1 <= rnd.ordinal <= len(events):
        raise ValidationError(
            f"{event.name} has {len(events)} events: round {rnd.ordinal} is none of them",
            details={"round": rnd.ordinal, "events": [e.key for e in events]},
        )
    return events[rnd.ordinal - 1].key


def round_discipline(rnd: Round) -> Discipline:
    """What a round is run as: its event's discipline, or for a round of a combined event
    the event of the tables it is (the decathlon's round 4 is a high jump)."""
    key = combined_event_key(rnd)
    if key is None:
        return rnd.event.discipline
    if key in DISCIPLINES:
        return discipline(key)
    # an indoor event the catalogue does not list on its own (the heptathlon's 1000 m)
    return Discipline(key, key.replace("m", " m"), EventKind.TRACK, Measure.TIME)
