"""Seeding a round into heats and advancing the qualifiers to the next round.

``seed_round`` applies :mod:`athsys.competitions.seeding` (zig-zag by seed mark) and
:mod:`athsys.competitions.lane_draw` (ranking groups by race kind) to the entries of a
round and writes the start lists. The first round is seeded by the entries' seed marks; a
later round by the results of the round before it (TR 20.3: heat winners by time, then
the second places by time, ..., then the time qualifiers by time). The lot is
reproducible: the seed is stored on every heat (``Heat.draw_seed``); the heats are dealt
with ``seed`` and heat ``n`` draws its lanes with ``seed + n``.

``advance_round`` applies :mod:`athsys.competitions.advancement` to a finished round:
stores Q or q on the results (``Result.qualification``) and seeds the next round from them,
in the caller's transaction, with an audit row for each step.

Races of 1500 m and longer, road races and field flights have no lanes: their start (or
competition) order is drawn by lot. Field rounds are seeded into flights but not advanced
here (a field qualification is decided on marks, not places in flights).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.audit.service import record
from athsys.competitions.advancement import Qualification, advance
from athsys.competitions.combined_rounds import round_discipline
from athsys.competitions.lane_draw import draw_lanes
from athsys.competitions.models import (
    Entry,
    EntryStatus,
    Heat,
    HeatStatus,
    LaneAssignment,
    Round,
    RoundKind,
)
from athsys.competitions.seeding import SeedEntry, seed_heats
from athsys.errors import ConflictError, ValidationError
from athsys.results.models import Result
from athsys.sport.disciplines import Discipline, EventKind
from athsys.sport.ranking import RaceResult

#: Seeds are stored in an INTEGER column.
_SEED_LIMIT = 2**31 - 1


def new_seed() -> int:
    """A fresh lot for a draw, to be stored so the draw can be repeated."""
    return random.SystemRandom().randrange(1, _SEED_LIMIT)


# -- seeding -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeededHeat:
    heat_id: int
    number: int
    draw_seed: int
    # (entry id, bib, lane or None), in start order
    start_list: tuple[tuple[int, str, int | None], ...]


def seed_round(
    session: Session,
    actor: Actor,
    rnd: Round,
    *,
    heats: int | None = None,
    seed: int | None = None,
) -> list[SeededHeat]:
    """Seed ``rnd`` into heats and write their start lists (replacing any earlier seeding).

    ``heats`` defaults to the fewest that give everyone a lane (one heat or flight when
    there are no lanes). Refused when a heat of the round has started or has results, or
    when the entries do not fit in the heats asked for.
    """
    seed = new_seed() if seed is None else seed
    if not 0 <= seed <= _SEED_LIMIT:
        raise ValidationError(f"seed: {seed} is not between 0 and {_SEED_LIMIT}",
                              details={"seed": seed})
    _check_not_run(session, rnd)
    found = round_discipline(rnd)
    lanes = rnd.event.lanes if found.race_kind is not None else None
    entries, higher_is_better = _seed_entries(session, rnd, found)
    if not entries:
        raise ValidationError(f"{rnd!r}: there is nobody to seed", details={"round": rnd.id})
    if lanes is None:
        count = heats or 1
        dealt = seed_heats(entries, lanes=-(-len(entries) // count), seed=seed,
                           higher_is_better=higher_is_better, heats=count)
    else:
        dealt = seed_heats(entries, lanes=lanes, seed=seed,
                           higher_is_better=higher_is_better, heats=heats)
    bibs = dict(session.execute(
        select(Entry.id, Entry.bib).where(Entry.id.in_([e.entry_id for e in entries]))).all())
    rows = _heats_for(session, actor, rnd, len(dealt))
    seeded: list[SeededHeat] = []
    for heat, heat_entries in zip(rows, dealt, strict=True):
        heat.draw_seed = seed
        ids = [int(entry_id) for entry_id in heat_entries]
        if found.race_kind is not None and lanes is not None:
            drawn = draw_lanes(ids, found.race_kind, lanes=lanes, seed=seed + heat.number)
            order = sorted(ids, key=drawn.__getitem__)
            lane_of: dict[int, int | None] = dict(drawn)
        else:
            order = list(ids)
            random.Random(seed + heat.number).shuffle(order)  # nosec B311 # reproducible draws and jitter, not secrets
            lane_of = dict.fromkeys(ids)
        session.add_all(
            LaneAssignment(heat_id=heat.id, entry_id=entry_id, lane=lane_of[entry_id],
                           position=position)
            for position, entry_id in enumerate(order, start=1)
        )
        seeded.append(SeededHeat(heat.id, heat.number, seed, tuple(
            (entry_id, bibs[entry_id], lane_of[entry_id]) for entry_id in order)))
    session.flush()
    record(session, actor, "seed", "Round", rnd.id, {
        "draw_seed": seed,
        "heats": {str(s.number): {bib: lane for _, bib, lane in s.start_list} for s in seeded},
    })
    return seeded


def _check_not_run(session: Session, rnd: Round) -> None:
    started = session.scalars(
        select(Heat.number).where(Heat.round_id == rnd.id, Heat.status != HeatStatus.SCHEDULED)
    ).all()
    with_results = session.scalars(
        select(Heat.number).join(Result, Result.heat_id == Heat.id)
        .where(Heat.round_id == rnd.id).distinct()
    ).all()
    if started or with_results:
        numbers = sorted(set(started) | set(with_results))
        raise ConflictError(
            f"{rnd!r}: heat {', '.join(map(str, numbers))} has already been run;"
            " a round is seeded only before it starts",
            details={"round": rnd.id, "heats": numbers},
        )


def _previous_round(session: Session, rnd: Round) -> Round | None:
    if rnd.event.kind is EventKind.COMBINED:
        return None  # every all-rounder takes part in every event
    return session.scalar(
        select(Round).where(Round.event_id == rnd.event_id, Round.ordinal < rnd.ordinal)
        .order_by(Round.ordinal.desc()).limit(1)
    )


def _seed_entries(
    session: Session, rnd: Round, found: Discipline
) -> tuple[list[SeedEntry], bool]:
    """Who is seeded and on what: seed marks, or the ranking from the previous round."""
    previous = _previous_round(session, rnd)
    if previous is None:
        entries = session.scalars(
            select(Entry).where(Entry.event_id == rnd.event_id,
                                Entry.status != EntryStatus.SCRATCHED).order_by(Entry.id)
        ).all()
        marks = rnd.event.kind is not EventKind.COMBINED
        return ([SeedEntry(e.id, e.seed_mark if marks else None) for e in entries],
                found.measure.higher_is_better)
    qualified = session.execute(
        select(Result.entry_id, Result.qualification, Result.place, Result.mark)
        .join(Heat, Result.heat_id == Heat.id)
        .join(Entry, Result.entry_id == Entry.id)
        .where(Heat.round_id == previous.id, Result.qualification.is_not(None),
               Entry.status != EntryStatus.SCRATCHED)
    ).all()
    if not qualified:
        raise ConflictError(
            f"{rnd!r} is seeded from {previous!r}, which has no qualifiers yet: advance it first",
            details={"round": rnd.id, "previous_round": previous.id},
        )
    # TR 20.3.3: Q ranked by place then time (winners first), then the q by time
    ranked = sorted(qualified, key=lambda row: (
        row.qualification is Qualification.BY_TIME, row.place or 0, row.mark or 0))
    return [SeedEntry(row.entry_id, rank) for rank, row in enumerate(ranked, start=1)], False


def _heats_for(session: Session, actor: Actor, rnd: Round, count: int) -> list[Heat]:
    """Heats 1..count of the round with empty start lists: kept, added or removed."""
    existing = {h.number: h for h in session.scalars(
        select(Heat).where(Heat.round_id == rnd.id)).all()}
    session.execute(delete(LaneAssignment).where(
        LaneAssignment.heat_id.in_([h.id for h in existing.values()])))
    for number, heat in sorted(existing.items()):
        if number > count:
            session.delete(heat)
            record(session, actor, "delete", "Heat", heat.id, {"round_id": rnd.id,
                                                              "number": number})
    heats = []
    for number in range(1, count + 1):
        heat = existing.get(number)
        if heat is None:
            heat = Heat(round_id=rnd.id, number=number, scheduled_start=rnd.scheduled_start)
            session.add(heat)
            session.flush()
            record(session, actor, "create", "Heat", heat.id, {"round_id": rnd.id,
                                                              "number": number})
        heats.append(heat)
    session.flush()
    for heat in heats:
        session.expire(heat, ["lane_assignments"])
    return heats


# -- advancement -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Advancement:
    round_id: int
    qualified: dict[int, str]  # entry id -> "Q" or "q"
    next_round_id: int
    next_heats: list[SeededHeat]


def advance_round(
    session: Session, actor: Actor, rnd: Round, *, seed: int | None = None
) -> Advancement:
    """Mark Q/q on the results of a finished round and seed the next round from them.

    The next round is the event's round with the next ordinal; when there is none it is
    created (a final when the qualifiers fit in one heat, else a semi-final).
    """
    seed = new_seed() if seed is None else seed
    found = round_discipline(rnd)
    if found.kind is EventKind.FIELD or rnd.event.kind is EventKind.COMBINED:
        raise ValidationError(
            f"{rnd!r}: only races advance by place and time",
            details={"round": rnd.id, "discipline": found.code},
        )
    if rnd.advance_by_place == 0 and rnd.advance_by_time == 0:
        raise ValidationError(
            f"{rnd!r} has no advancement rule: set Q (by place) and q (by time) first",
            details={"advance_by_place": 0, "advance_by_time": 0},
        )
    heats = session.scalars(select(Heat).where(Heat.round_id == rnd.id)
                            .order_by(Heat.number)).all()
    unfinished = [h.number for h in heats
                  if h.status not in (HeatStatus.FINISHED, HeatStatus.OFFICIAL)]
    if not heats or unfinished:
        raise ConflictError(
            f"{rnd!r}: heat {', '.join(map(str, unfinished)) or '(none)'} is not finished",
            details={"round": rnd.id, "unfinished_heats": unfinished},
        )
    results = session.scalars(
        select(Result).join(Heat, Result.heat_id == Heat.id)
        .where(Heat.round_id == rnd.id).order_by(Heat.number, Result.id)
    ).all()
    by_heat: dict[int, list[Result]] = {h.id: [] for h in heats}
    for result in results:
        by_heat[result.heat_id].append(result)
    outcome = advance(
        [[RaceResult(r.entry_id, r.mark, r.status) for r in by_heat[h.id]] for h in heats],
        by_place=rnd.advance_by_place, by_time=rnd.advance_by_time, seed=seed,
        ties_both_advance=rnd.ties_both_advance,
        spare_places=_spare_lanes(rnd, len(heats)),
    )
    for result in results:
        result.qualification = outcome.get(result.entry_id)
    session.flush()
    qualified = {int(e): q.value for e, q in outcome.items() if q is not None}
    bibs = dict(session.execute(select(Entry.id, Entry.bib).where(
        Entry.id.in_(list(qualified)))).all())
    record(session, actor, "advance", "Round", rnd.id, {
        "draw_seed": seed,
        "qualified": {bibs[e]: q for e, q in sorted(qualified.items())},
        "rule": {"Q": rnd.advance_by_place, "q": rnd.advance_by_time},
    })
    following = _next_round(session, actor, rnd, len(qualified))
    next_heats = seed_round(session, actor, following, seed=seed)
    return Advancement(rnd.id, qualified, following.id, next_heats)


def _spare_lanes(rnd: Round, heats: int) -> int:
    """Lanes the next round has beyond the qualifiers the rule names: athletes tied for the
    last place go through while they fit ("if practicable", TR 21.2), else lots are drawn.
    Races without lanes have none to spare."""
    nominal = heats * rnd.advance_by_place + rnd.advance_by_time
    if round_discipline(rnd).race_kind is not None and nominal <= rnd.event.lanes:
        return rnd.event.lanes - nominal
    return 0


def _next_round(session: Session, actor: Actor, rnd: Round, qualifiers: int) -> Round:
    following = session.scalar(
        select(Round).where(Round.event_id == rnd.event_id, Round.ordinal > rnd.ordinal)
        .order_by(Round.ordinal).limit(1)
    )
    if following is not None:
        return following
    last = session.scalar(select(func.max(Round.ordinal)).where(Round.event_id == rnd.event_id))
    kind = RoundKind.FINAL if qualifiers <= rnd.event.lanes else RoundKind.SEMI
    following = Round(event_id=rnd.event_id, kind=kind, ordinal=(last or 0) + 1)
    session.add(following)
    session.flush()
    record(session, actor, "create", "Round", following.id,
           {"event_id": rnd.event_id, "kind": kind.value, "ordinal": following.ordinal})
    return following
