"""The demo meet: six clubs, 100 athletes, a one-day track meet with a 10 km road race.

The meet takes place today (in its own time zone) and is live: the men's 100 m heats are
run and official, their final is seeded from the heats' qualifiers, everything else is on
the schedule, among it a men's 4 × 100 m relay whose club teams have declared their legs
(four of the club's sprinters and a reserve) and drawn their lanes. Everything is drawn
from ``random.Random(seed)``, and the rules of the sport are applied by the same functions
the services use (zig-zag seeding, lane draw by ranking groups, ranking, advancement, the
relay's legs), so the demo shows what the platform does.

Loading is idempotent: the competition's name identifies the demo meet and a second call
adds nothing. Clubs and athletes are found again by code and licence, so the meet can be
loaded again after its competition was deleted. The caller's transaction commits.

One audit row (``demo.load``, with the counts and the seed) records the whole load rather
than one row per object: the data is synthetic bulk, and hundreds of rows would bury the
audit trail of real changes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.athletes.models import Athlete, Club
from athsys.audit.service import record
from athsys.competitions.advancement import Qualification, advance
from athsys.competitions.builder import MeetBuilder
from athsys.competitions.lane_draw import draw_lanes
from athsys.competitions.models import (
    Competition,
    Entry,
    EntryStatus,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
    RelayLeg,
    Round,
    RoundKind,
)
from athsys.competitions.relay_rules import Runner, check_legs, team_name
from athsys.competitions.seeding import SeedEntry, seed_heats
from athsys.results.models import Result, ResultSource
from athsys.sport.disciplines import EventKind, discipline
from athsys.sport.ranking import RaceResult, ResultStatus, rank_race
from athsys.sport.sex import Sex
from athsys.timing.models import ChipAssignment, TimingPoint

DEMO_COMPETITION_NAME = "AthSys Demo Meet"
DEMO_VENUE = "Parc Stadium, Demoville"
DEMO_TIME_ZONE = "Europe/Brussels"
DEMO_LICENCE_PREFIX = "DEMO-"
FEATURED_LICENCE = f"{DEMO_LICENCE_PREFIX}0001"
"""The athlete the demo ``athlete`` account belongs to; the ``coach`` account manages their club."""

_LOCK_ID = 0x41746844  # "AthD": two loaders at once wait for each other
_LANES = 8
_HEAT_INTERVAL = timedelta(minutes=7)
_FINAL_START = time(17, 30)


@dataclass(frozen=True)
class DemoSummary:
    """What the demo meet holds (counted in the database) and whether this call created it."""

    competition_id: int
    name: str
    start_date: date
    created: bool
    clubs: int
    athletes: int
    events: int
    heats: int
    entries: int
    results: int
    featured_athlete_id: int | None
    featured_club_id: int | None


@dataclass(frozen=True)
class _ClubPlan:
    name: str
    code: str
    country: str
    men: tuple[str, ...]
    women: tuple[str, ...]
    surnames: tuple[str, ...]


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(","))


_CLUBS = (
    _ClubPlan(
        "Harbour City Harriers", "HCH", "GBR",
        _names("Oliver, Harry, George, Jack, Charlie, Thomas, James, William, Daniel, Samuel"),
        _names("Amelia, Olivia, Isla, Emily, Grace, Sophie, Hannah, Lucy, Chloe, Ellie"),
        _names("Smith, Jones, Taylor, Brown, Williams, Wilson, Evans, Walker, Hughes, Robinson,"
               " Wright, Thompson, Clarke, Hall, Turner"),
    ),
    _ClubPlan(
        "AC Lumière", "ACL", "FRA",
        _names("Lucas, Hugo, Louis, Gabriel, Arthur, Jules, Nathan, Raphaël, Théo, Mathis"),
        _names("Emma, Louise, Jade, Alice, Chloé, Léa, Manon, Inès, Camille, Zoé"),
        _names("Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau,"
               " Simon, Laurent, Lefèvre, Michel, Fournier"),
    ),
    _ClubPlan(
        "TV Rheinufer", "TVR", "GER",
        _names("Lukas, Leon, Finn, Jonas, Paul, Felix, Maximilian, Elias, Noah, Luca"),
        _names("Mia, Hannah, Lea, Lena, Marie, Anna, Lina, Sophia, Johanna, Clara"),
        _names("Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz,"
               " Hoffmann, Koch, Richter, Klein, Wolf, Neumann"),
    ),
    _ClubPlan(
        "Atletica Colli Euganei", "ACE", "ITA",
        _names("Francesco, Alessandro, Lorenzo, Matteo, Leonardo, Andrea, Gabriele, Riccardo,"
               " Tommaso, Davide"),
        _names("Sofia, Giulia, Aurora, Alice, Ginevra, Emma, Giorgia, Beatrice, Chiara, Martina"),
        _names("Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco,"
               " Bruno, Gallo, Conti, De Luca, Mancini"),
    ),
    _ClubPlan(
        "Club Atletismo Sierra Norte", "CASN", "ESP",
        _names("Hugo, Martín, Mateo, Daniel, Pablo, Alejandro, Álvaro, Adrián, Javier, Sergio"),
        _names("Lucía, Sofía, Martina, María, Julia, Paula, Valeria, Daniela, Carmen, Alba"),
        _names("García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez,"
               " Jiménez, Ruiz, Hernández, Díaz, Moreno, Navarro"),
    ),
    _ClubPlan(
        "AV Polderlopers", "AVP", "NED",
        _names("Daan, Sem, Levi, Bram, Finn, Milan, Jesse, Thijs, Ruben, Lars"),
        _names("Julia, Sophie, Tess, Zoë, Anna, Sara, Fleur, Noor, Lotte, Sanne"),
        _names("de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Visser, Smit, Meijer,"
               " de Boer, Mulder, de Groot, Bos, Vos, Peters"),
    ),
)


@dataclass(frozen=True)
class _EventPlan:
    code: str
    sex: Sex
    athletes: int
    first_bib: int
    seed_marks: tuple[int, int]  # range of seed marks, in the discipline's unit (ms or mm)
    step: int  # precision of seed marks: 10 ms, 10 mm, 1000 ms
    start: time  # local time of the first heat
    qualifying: tuple[int, int] | None = None  # (Q, q) when heats come before the final
    ages: tuple[int, int] = (18, 33)


# The order matters: athletes are numbered (licences DEMO-0001 ...) in this order.
_EVENTS = (
    _EventPlan("100m", Sex.MALE, 24, 101, (10_150, 11_100), 10, time(10, 0), qualifying=(2, 2)),
    _EventPlan("100m", Sex.FEMALE, 8, 201, (11_250, 12_300), 10, time(10, 40)),
    _EventPlan("400m", Sex.MALE, 8, 301, (46_400, 50_200), 10, time(11, 30)),
    _EventPlan("LJ", Sex.FEMALE, 12, 401, (5_600, 6_650), 10, time(10, 15)),
    _EventPlan("HJ", Sex.MALE, 10, 501, (1_950, 2_240), 10, time(13, 0)),
    _EventPlan("10K", Sex.MALE, 20, 1001, (1_770_000, 2_700_000), 1000, time(8, 30),
               ages=(20, 68)),
    _EventPlan("10K", Sex.FEMALE, 18, 1101, (2_010_000, 3_000_000), 1000, time(8, 35),
               ages=(20, 68)),
)

# The relay comes after every event above, so its draws leave theirs as they were.
_RELAY = _EventPlan("4x100m", Sex.MALE, 0, 701, (40_200, 43_400), 10, time(16, 45))
_RELAY_SPRINTS = ("100m", "400m")  # the events whose men run the clubs' relay legs

_TIMING_POINTS = (("Start", 0, True, False), ("5K", 5_000, False, False),
                  ("Finish", 10_000, False, True))


def load_demo_meet(
    session: Session, *, seed: int = 2026, now: datetime | None = None
) -> DemoSummary:
    """Create the demo meet unless it exists; ``now`` (aware) fixes "today" for tests."""
    session.execute(select(func.pg_advisory_xact_lock(_LOCK_ID)))
    existing = session.scalar(
        select(Competition).where(Competition.name == DEMO_COMPETITION_NAME)
    )
    if existing is not None:
        return _summary(session, existing, created=False)

    rng = random.Random(seed)  # nosec B311 # reproducible draws and jitter, not secrets
    zone = ZoneInfo(DEMO_TIME_ZONE)
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    build = MeetBuilder(session)
    competition = build.competition(DEMO_COMPETITION_NAME, day=today, venue=DEMO_VENUE,
                                    time_zone=DEMO_TIME_ZONE)
    clubs = _clubs(session)
    events = [
        build.event(competition, plan.code, sex=plan.sex, age_category="SEN", lanes=_LANES,
                    name=f"{discipline(plan.code).name} "
                         f"{'Men' if plan.sex is Sex.MALE else 'Women'}")
        for plan in _EVENTS
    ]

    athletes = _athletes(session, rng, clubs, today)
    entries_by_event: list[list[Entry]] = []
    for plan, event, runners in zip(_EVENTS, events, athletes, strict=True):
        entries = [
            Entry(
                event_id=event.id, competition_id=competition.id, athlete_id=athlete.id,
                bib=str(plan.first_bib + number), seed_mark=_seed_mark(rng, plan, age),
                status=EntryStatus.CONFIRMED,
            )
            for number, (athlete, age) in enumerate(runners)
        ]
        session.add_all(entries)
        entries_by_event.append(entries)
    session.flush()

    def at(local: time) -> datetime:
        return datetime.combine(today, local, tzinfo=zone)

    for plan, event, entries in zip(_EVENTS, events, entries_by_event, strict=True):
        kind = event.discipline.kind
        if kind is EventKind.TRACK and plan.qualifying is not None:
            _heats_and_final(session, rng, event, entries, at(plan.start), at(_FINAL_START),
                             plan.qualifying)
        elif kind is EventKind.TRACK:
            round_ = _round(session, event, RoundKind.FINAL, 1, at(plan.start))
            _lanes_drawn(session, rng, round_, entries, at(plan.start), 1, "Final")
        else:
            _flight(session, rng, event, entries, at(plan.start), road=kind is EventKind.ROAD)
    _road_timing(session, competition, entries_by_event, at(time(8, 0)))
    relay = build.event(competition, _RELAY.code, sex=_RELAY.sex, age_category="SEN",
                        lanes=_LANES, name=f"{discipline(_RELAY.code).name} Men")
    sprinters = [athlete for plan, runners in zip(_EVENTS, athletes, strict=True)
                 if plan.code in _RELAY_SPRINTS and plan.sex is _RELAY.sex
                 for athlete, _ in runners]
    _relay_teams(session, rng, relay, [club for club, _ in clubs], sprinters,
                 at(_RELAY.start))
    session.flush()

    summary = _summary(session, competition, created=True)
    record(
        session, SYSTEM, "demo.load", "competition", competition.id,
        {"seed": seed, "clubs": summary.clubs, "athletes": summary.athletes,
         "events": summary.events, "heats": summary.heats, "entries": summary.entries,
         "results": summary.results},
    )
    session.flush()
    return summary


def _clubs(session: Session) -> list[tuple[Club, _ClubPlan]]:
    found = {
        club.code: club
        for club in session.scalars(select(Club).where(Club.code.in_([c.code for c in _CLUBS])))
    }
    clubs = []
    for plan in _CLUBS:
        club = found.get(plan.code) or Club(name=plan.name, code=plan.code, country=plan.country)
        session.add(club)
        clubs.append((club, plan))
    return clubs


def _athletes(
    session: Session, rng: random.Random, clubs: Sequence[tuple[Club, _ClubPlan]], today: date
) -> list[list[tuple[Athlete, int]]]:
    """The athletes of each event with their age; names are drawn even for athletes found
    again, so that the draw (and so every later lot) does not depend on what exists."""
    found = {
        athlete.licence: athlete
        for athlete in session.scalars(
            select(Athlete).where(Athlete.licence.like(f"{DEMO_LICENCE_PREFIX}%"))
        )
    }
    used: set[tuple[str, str]] = set()
    number = 0
    per_event: list[list[tuple[Athlete, int]]] = []
    for plan in _EVENTS:
        runners = []
        for _ in range(plan.athletes):
            number += 1
            club, names = clubs[rng.randrange(len(clubs))]
            first_names = names.men if plan.sex is Sex.MALE else names.women
            while True:
                name = (rng.choice(first_names), rng.choice(names.surnames))
                if name not in used:
                    break
            used.add(name)
            age = rng.randint(*plan.ages)
            born = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            licence = f"{DEMO_LICENCE_PREFIX}{number:04d}"
            athlete = found.get(licence) or Athlete(
                first_name=name[0], last_name=name[1], sex=plan.sex, birth_date=born,
                club=club, licence=licence, nationality=names.country,
            )
            session.add(athlete)
            runners.append((athlete, age))
        per_event.append(runners)
    session.flush()
    return per_event


def _seed_mark(rng: random.Random, plan: _EventPlan, age: int) -> int:
    best, worst = plan.seed_marks
    mark = rng.randint(best // plan.step, worst // plan.step) * plan.step
    if plan.code == "10K" and age > 35:
        # masters slow down: about 0.8 % a year past 35 (integer arithmetic, whole seconds)
        mark = mark * (1000 + 8 * (age - 35)) // 1000 // plan.step * plan.step
    return mark


def _round(
    session: Session, event: Event, kind: RoundKind, ordinal: int, start: datetime,
    qualifying: tuple[int, int] = (0, 0),
) -> Round:
    round_ = Round(
        event=event, kind=kind, ordinal=ordinal, scheduled_start=start,
        advance_by_place=qualifying[0], advance_by_time=qualifying[1],
    )
    session.add(round_)
    return round_


def _lanes_drawn(
    session: Session, rng: random.Random, round_: Round, ranked: Sequence[Entry],
    start: datetime, number: int, name: str,
) -> Heat:
    """A heat whose athletes (best first) draw their lanes by ranking groups."""
    race_kind = round_.event.discipline.race_kind
    assert race_kind is not None, "only races started in lanes draw lanes"  # nosec B101 # invariant for the type checker, not a check of input
    draw_seed = rng.randrange(1, 2**31)
    heat = Heat(round=round_, number=number, name=name, scheduled_start=start,
                draw_seed=draw_seed)
    lanes = draw_lanes([entry.id for entry in ranked], race_kind, lanes=_LANES, seed=draw_seed)
    heat.lane_assignments = [
        LaneAssignment(entry_id=entry_id, lane=lane, position=lane)
        for entry_id, lane in sorted(lanes.items(), key=lambda pair: pair[1])
    ]
    session.add(heat)
    return heat


def _heats_and_final(
    session: Session, rng: random.Random, event: Event, entries: Sequence[Entry],
    start: datetime, final_start: datetime, qualifying: tuple[int, int],
) -> None:
    """Heats seeded zig-zag, run and official; the final drawn from their qualifiers."""
    by_id = {entry.id: entry for entry in entries}
    heats_round = _round(session, event, RoundKind.HEAT, 1, start, qualifying)
    seeded = seed_heats(
        [SeedEntry(entry.id, entry.seed_mark) for entry in entries],
        lanes=_LANES, seed=rng.randrange(1, 2**31),
    )
    did_not_start = entries[rng.randrange(len(entries))].id
    races: list[list[RaceResult]] = []
    for number, heat_entries in enumerate(seeded, start=1):
        scheduled = start + (number - 1) * _HEAT_INTERVAL
        ranked = [by_id[int(entry_id)] for entry_id in heat_entries]
        heat = _lanes_drawn(session, rng, heats_round, ranked, scheduled, number,
                            f"Heat {number}")
        heat.gun_time = scheduled + timedelta(seconds=rng.randint(20, 120))
        heat.wind = rng.randint(-12, 21)
        heat.status = HeatStatus.OFFICIAL
        session.flush()
        races.append(_run(session, rng, heat, ranked, did_not_start))

    final_round = _round(session, event, RoundKind.FINAL, 2, final_start)
    outcome = advance(races, by_place=qualifying[0], by_time=qualifying[1],
                      seed=rng.randrange(1, 2**31), ties_both_advance=True)
    places = {p.entry_id: (p.place, p.time_ms) for race in races for p in rank_race(race)}
    # lane draw ranking for the next round: place qualifiers by place then time, then time ones
    by_place = sorted((e for e, q in outcome.items() if q is Qualification.BY_PLACE),
                      key=lambda e: places[e])
    by_time = sorted((e for e, q in outcome.items() if q is Qualification.BY_TIME),
                     key=lambda e: places[e][1] or 0)
    finalists = [by_id[int(entry_id)] for entry_id in [*by_place, *by_time]]
    _lanes_drawn(session, rng, final_round, finalists, final_start, 1, "Final")


def _run(
    session: Session, rng: random.Random, heat: Heat, ranked: Sequence[Entry],
    did_not_start: int,
) -> list[RaceResult]:
    """The heat's photo-finish times (to 1/1000 s around the seed marks), placed by rank_race;
    the entry ``did_not_start`` is a DNS, if it runs in this heat."""
    race = []
    for entry in ranked:
        if entry.id == did_not_start:
            race.append(RaceResult(entry.id, None, ResultStatus.DNS))
        else:
            assert entry.seed_mark is not None, "every demo entry has a seed mark"  # nosec B101 # invariant for the type checker, not a check of input
            race.append(RaceResult(entry.id, entry.seed_mark + rng.randint(-120, 160)))
    for placing in rank_race(race):
        ran = placing.status is ResultStatus.OK
        session.add(Result(
            heat_id=heat.id, entry_id=placing.entry_id, mark=placing.time_ms,
            place=placing.place, status=placing.status, wind=heat.wind if ran else None,
            reaction_time=rng.randint(125, 190) if ran else None, source=ResultSource.LIF,
        ))
    return race


def _flight(
    session: Session, rng: random.Random, event: Event, entries: Sequence[Entry],
    start: datetime, *, road: bool,
) -> None:
    """One flight of a field event (order by lot) or one road race (by bib), not yet started."""
    round_ = _round(session, event, RoundKind.FINAL, 1, start)
    draw_seed = rng.randrange(1, 2**31)
    order = sorted(entries, key=lambda entry: int(entry.bib))
    if not road:
        random.Random(draw_seed).shuffle(order)  # nosec B311 # reproducible draws and jitter, not secrets
    heat = Heat(round=round_, number=1, name="Race" if road else "Final",
                scheduled_start=start, draw_seed=None if road else draw_seed)
    heat.lane_assignments = [
        LaneAssignment(entry_id=entry.id, lane=None, position=position)
        for position, entry in enumerate(order, start=1)
    ]
    session.add(heat)


def _relay_teams(
    session: Session, rng: random.Random, event: Event, clubs: Sequence[Club],
    sprinters: Sequence[Athlete], start: datetime,
) -> None:
    """A team of every club with four sprinters (a fifth is its reserve), legs checked by
    the rules the registration desk applies, and a final with lanes drawn by seed mark."""
    teams: list[Entry] = []
    for club in clubs:
        members = [athlete for athlete in sprinters if athlete.club_id == club.id][:5]
        if len(members) < len(discipline(event.discipline_code).legs_m):
            continue
        name = team_name(club.name, [])
        runners = [Runner(a.id, f"{a.first_name} {a.last_name}", a.sex, a.club_id, club.name,
                          leg if leg <= 4 else None)
                   for leg, a in enumerate(members, start=1)]
        check_legs(event.discipline, event.sex, club.id, club.name, runners, team=name)
        team = Entry(event_id=event.id, competition_id=event.competition_id, club_id=club.id,
                     team_name=name, bib=str(_RELAY.first_bib + len(teams)),
                     seed_mark=_seed_mark(rng, _RELAY, 0), status=EntryStatus.CONFIRMED)
        session.add(team)
        session.flush()
        session.add_all(RelayLeg(entry_id=team.id, event_id=event.id, athlete_id=r.athlete_id,
                                 leg=r.leg) for r in runners)
        teams.append(team)
    round_ = _round(session, event, RoundKind.FINAL, 1, start)
    ranked = sorted(teams, key=lambda team: team.seed_mark or 0)
    _lanes_drawn(session, rng, round_, ranked, start, 1, "Final")


def _road_timing(
    session: Session, competition: Competition, entries_by_event: Sequence[Sequence[Entry]],
    valid_from: datetime,
) -> None:
    """Timing points of the 10 km course and a chip for every road runner."""
    session.add_all(
        TimingPoint(competition=competition, name=name, distance_m=distance, is_start=start,
                    is_finish=finish)
        for name, distance, start, finish in _TIMING_POINTS
    )
    for plan, entries in zip(_EVENTS, entries_by_event, strict=True):
        if discipline(plan.code).kind is not EventKind.ROAD:
            continue
        session.add_all(
            ChipAssignment(competition_id=competition.id, chip=f"DM{int(entry.bib):05d}",
                           entry_id=entry.id, valid_from=valid_from)
            for entry in entries
        )


def _summary(session: Session, competition: Competition, *, created: bool) -> DemoSummary:
    in_meet = Event.competition_id == competition.id
    events = session.scalar(select(func.count(Event.id)).where(in_meet)) or 0
    heats = session.scalar(
        select(func.count(Heat.id)).join(Round).join(Event).where(in_meet)
    ) or 0
    results = session.scalar(
        select(func.count(Result.id)).join(Result.heat).join(Round).join(Event).where(in_meet)
    ) or 0
    entries, athletes, clubs = session.execute(  # a relay team is an entry of no athlete
        select(func.count(Entry.id), func.count(func.distinct(Entry.athlete_id)),
               func.count(func.distinct(Athlete.club_id)))
        .outerjoin(Athlete, Athlete.id == Entry.athlete_id)
        .where(Entry.competition_id == competition.id)
    ).one()
    featured = session.execute(
        select(Athlete.id, Athlete.club_id).where(Athlete.licence == FEATURED_LICENCE)
    ).one_or_none()
    return DemoSummary(
        competition_id=competition.id, name=competition.name,
        start_date=competition.start_date, created=created, clubs=clubs, athletes=athletes,
        events=events, heats=heats, entries=entries, results=results,
        featured_athlete_id=featured.id if featured else None,
        featured_club_id=featured.club_id if featured else None,
    )
