"""Relay teams: entering a club's team in a relay event and declaring its runners.

A team is an :class:`~athsys.competitions.models.Entry` with a club and a team name; its
runners are :class:`~athsys.competitions.models.RelayLeg` rows, replaced as a whole by each
declaration (so a new leg order never collides with the old one half-way). The order may
change until the team's next race starts: once the last heat it is seeded in has started,
a declaration is refused. Each function validates everything before it writes, writes in
the caller's transaction and audits; none commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.athletes.models import Athlete, Club
from athsys.athletes.service import check_may_manage_club
from athsys.audit.service import audited_add, record
from athsys.competitions.models import (
    Entry,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
    RelayLeg,
    Round,
)
from athsys.competitions.relay_rules import Runner, check_legs, team_name
from athsys.competitions.service import check_standard
from athsys.errors import ConflictError, NotFoundError, ValidationError
from athsys.sport.plausible import check_plausible


@dataclass(frozen=True)
class LegDeclaration:
    """An athlete declared for a team: the leg they run, or None for a reserve."""

    athlete_id: int
    leg: int | None = None


def create_relay_team(
    session: Session, actor: Actor, event: Event, club: Club, *, bib: str,
    name: str | None = None, seed_mark: int | None = None, standard_waiver: str | None = None,
) -> Entry:
    """Enter a club's team in a relay event; without a name it is the club's next letter
    (``Tigers AC A``, ``Tigers AC B``). A coach enters only their own club's teams. The team's
    seed mark meets the event's entry standard, as an athlete's does, unless a registrar
    waives it giving the reason (``standard_waiver``)."""
    relay = event.discipline
    if not relay.relay:
        raise ValidationError(f"{event.name} is not a relay: enter athletes in it",
                              details={"event": "not a relay"})
    check_may_manage_club(actor, club.id, what="relay teams")
    if not (bib or "").strip():
        raise ValidationError("bib: a bib number is required", details={"bib": "required"})
    taken = list(session.scalars(
        select(Entry.team_name).where(Entry.event_id == event.id, Entry.team_name.is_not(None))))
    name = " ".join((name or "").split()) or team_name(club.name, taken)
    if name in taken:
        raise ConflictError(f"{event.name} already has a team named {name}",
                            details={"team_name": name})
    check_plausible(seed_mark, relay, None if relay.mixed else event.sex, field="seed_mark")
    entry = Entry(event_id=event.id, competition_id=event.competition_id, club_id=club.id,
                  team_name=name, bib=bib.strip(), seed_mark=seed_mark,
                  standard_waiver=standard_waiver)
    check_standard(actor, event, entry)
    return audited_add(session, actor, entry)  # type: ignore[no-any-return]


def relay_team(session: Session, entry_id: int) -> Entry:
    """The team entry, or NotFoundError (an athlete's entry is not a team)."""
    entry = session.get(Entry, entry_id)
    if entry is None or not entry.is_relay:
        raise NotFoundError(f"relay team {entry_id} not found", details={"entry": entry_id})
    return entry


def declare_legs(
    session: Session, actor: Actor, entry: Entry, declared: Sequence[LegDeclaration]
) -> list[RelayLeg]:
    """Replace the team's runners with ``declared``: every rule checked first (club, sex,
    legs, one team per athlete in the event, the race not started), then written at once."""
    if not entry.is_relay or entry.club_id is None:
        raise ValidationError(f"entry {entry.bib} is an athlete's, not a relay team",
                              details={"entry": entry.id})
    check_may_manage_club(actor, entry.club_id, what="relay teams")
    check_legs_open(session, entry)
    event, club = entry.event, session.get(Club, entry.club_id)
    assert club is not None  # nosec B101 # a foreign key, for the type checker
    runners = _runners(session, declared)
    check_legs(event.discipline, event.sex, club.id, club.name, runners,
               team=entry.team_name or "")
    _check_one_team(session, entry, runners)
    session.execute(delete(RelayLeg).where(RelayLeg.entry_id == entry.id))
    legs = [RelayLeg(entry_id=entry.id, event_id=entry.event_id, athlete_id=r.athlete_id,
                     leg=r.leg) for r in runners]
    session.add_all(legs)
    session.flush()
    session.expire(entry, ["legs"])
    record(session, actor, "declare_legs", "Entry", entry.id, {
        "legs": {str(r.leg): r.athlete_id for r in runners if r.leg is not None},
        "reserves": [r.athlete_id for r in runners if r.leg is None],
    })
    return legs


def check_legs_open(session: Session, entry: Entry) -> None:
    """The leg order stays open until the team's next race starts: refused once the last
    heat it is seeded in is under way or over."""
    last = session.execute(
        select(Heat, Round.ordinal)
        .join(LaneAssignment, LaneAssignment.heat_id == Heat.id)
        .join(Round, Round.id == Heat.round_id)
        .where(LaneAssignment.entry_id == entry.id)
        .order_by(Round.ordinal.desc()).limit(1)
    ).first()
    if last is not None and last[0].status is not HeatStatus.SCHEDULED:
        heat = last[0]
        raise ConflictError(
            f"the legs of {entry.team_name} can no longer change: {heat!r} is "
            f"{heat.status.value}", details={"heat": heat.id, "status": heat.status.value})


def _runners(session: Session, declared: Sequence[LegDeclaration]) -> list[Runner]:
    ids = {d.athlete_id for d in declared}
    found = {a.id: (a, club) for a, club in session.execute(
        select(Athlete, Club.name).outerjoin(Club, Club.id == Athlete.club_id)
        .where(Athlete.id.in_(ids)))}
    unknown = sorted(ids - found.keys())
    if unknown:
        raise ValidationError(f"no athlete with id {', '.join(map(str, unknown))}",
                              details={"athletes": unknown})
    return [Runner(d.athlete_id, found[d.athlete_id][0].full_name, found[d.athlete_id][0].sex,
                   found[d.athlete_id][0].club_id, found[d.athlete_id][1], d.leg)
            for d in declared]


def _check_one_team(session: Session, entry: Entry, runners: Sequence[Runner]) -> None:
    """An athlete runs for one team of an event (the database refuses it too; this names
    the athlete and the other team)."""
    elsewhere = session.execute(
        select(RelayLeg.athlete_id, Entry.team_name)
        .join(Entry, Entry.id == RelayLeg.entry_id)
        .where(RelayLeg.event_id == entry.event_id, RelayLeg.entry_id != entry.id,
               RelayLeg.athlete_id.in_([r.athlete_id for r in runners]))
    ).all()
    if elsewhere:
        names = {r.athlete_id: r.name for r in runners}
        taken = "; ".join(f"{names[athlete]} already runs for {team}"
                          for athlete, team in elsewhere)
        raise ConflictError(f"{entry.team_name}: {taken}", details={
            "athletes": [athlete for athlete, _ in elsewhere]})


@dataclass(frozen=True)
class RanLeg:
    """A runner of a relay team's leg, as a result names them."""

    leg: int
    athlete_id: int
    first_name: str
    last_name: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def legs_ran(session: Session, entry_ids: Sequence[int],
             heat_of: Mapping[int, int | None] | None = None) -> dict[int, list[RanLeg]]:
    """The runners of each relay team among ``entry_ids`` in leg order: those who ran in the
    team's heat (``heat_of``: entry id -> heat id) once that heat has started, else the legs
    declared now. Reserves ran nothing; teams without legs, and athletes' entries, are
    absent."""
    ids = list(entry_ids)
    heats = [(heat_of or {}).get(entry_id) for entry_id in ids]
    rows = session.execute(text("""
        SELECT x.entry_id, ran.leg, a.id, a.first_name, a.last_name
          FROM unnest(CAST(:entries AS integer[]), CAST(:heats AS integer[]))
               AS x(entry_id, heat_id)
          CROSS JOIN LATERAL (
            SELECT r.leg, r.athlete_id FROM relay_run_leg r
             WHERE r.heat_id = x.heat_id AND r.entry_id = x.entry_id
            UNION ALL
            SELECT l.leg, l.athlete_id FROM relay_leg l
             WHERE l.entry_id = x.entry_id AND l.leg IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM relay_run_leg r
                                WHERE r.heat_id = x.heat_id AND r.entry_id = x.entry_id)
          ) ran
          JOIN athlete a ON a.id = ran.athlete_id
         ORDER BY x.entry_id, ran.leg"""), {"entries": ids, "heats": heats}).all()
    ran: dict[int, list[RanLeg]] = {}
    for entry_id, leg, athlete_id, first, last in rows:
        ran.setdefault(entry_id, []).append(RanLeg(leg, athlete_id, first, last))
    return ran


def legs_shown(session: Session, entry_ids: Sequence[int],
               heat_of: Mapping[int, int | None] | None = None) -> dict[int, tuple[str, ...]]:
    """The names of :func:`legs_ran`, as start lists and results show them
    (``"Anna Smith"``)."""
    return {entry_id: tuple(leg.name for leg in legs)
            for entry_id, legs in legs_ran(session, entry_ids, heat_of).items()}