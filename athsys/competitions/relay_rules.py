"""Who may run for a relay team, and in which legs (pure rules, no database).

A team is declared as its runners: each with the leg they run (1 = first) or none for a
reserve. The declaration is whole: either every leg has its runner or none has yet (a squad
named before the order is known); a team names at most :data:`MAX_RESERVES` reserves
(World Athletics Competition Rule 24.11 lets a team use up to four further athletes). Every
runner belongs to the team's club; in a men's or women's relay every runner is of the
event's sex; a mixed relay's legs are run by as many men as women (reserves of either sex).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from athsys.errors import ValidationError
from athsys.sport.disciplines import Discipline
from athsys.sport.sex import Sex

MAX_RESERVES = 4

_SEX_PLURAL = {Sex.MALE: ("man", "men"), Sex.FEMALE: ("woman", "women")}


@dataclass(frozen=True)
class Runner:
    """An athlete declared for a team, as the rules need them."""

    athlete_id: int
    name: str  # as people read it: "Anna Smith"
    sex: Sex
    club_id: int | None
    club_name: str | None
    leg: int | None  # None: a reserve


def _count(sex: Sex, n: int) -> str:
    one, many = _SEX_PLURAL[sex]
    return f"{n} {one if n == 1 else many}"


def team_name(club_name: str, taken: Sequence[str]) -> str:
    """The club's next team name: ``Tigers AC A``, then ``Tigers AC B``…"""
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        name = f"{club_name} {letter}"
        if name not in taken:
            return name
    raise ValidationError(f"{club_name} already has 26 teams in this event",
                          details={"team_name": "give the team a name"})


def leg_problems(relay: Discipline, event_sex: Sex, club_id: int, club_name: str,
                 runners: Sequence[Runner]) -> dict[str, str]:
    """What is wrong with the declaration, keyed by what the message is about; empty when
    the team may run as declared."""
    problems: dict[str, str] = {}
    legs = len(relay.legs_m)
    twice = [r.name for r, n in _counts(runners).items() if n > 1]
    if twice:
        problems["athletes"] = f"{', '.join(twice)} declared more than once"
    numbers = [r.leg for r in runners if r.leg is not None]
    outside = sorted({n for n in numbers if not 1 <= n <= legs})
    if outside:
        problems["legs"] = (f"a {relay.name} has legs 1 to {legs}; "
                            f"leg {', '.join(map(str, outside))} does not exist")
    else:
        shared = sorted(n for n, c in Counter(numbers).items() if c > 1)
        missing = sorted(set(range(1, legs + 1)) - set(numbers))
        if shared:
            problems["legs"] = f"leg {', '.join(map(str, shared))} has more than one runner"
        elif numbers and missing:
            problems["legs"] = (f"leg {', '.join(map(str, missing))} has no runner: declare "
                                f"all {legs} legs, or none yet")
    reserves = len(runners) - len(numbers)
    if reserves > MAX_RESERVES:
        problems["reserves"] = f"{reserves} reserves: a team names at most {MAX_RESERVES}"
    strangers = [f"{r.name} is not a member of {club_name} ("
                 + (f"{r.club_name})" if r.club_name else "no club)")
                 for r in runners if r.club_id != club_id]
    if strangers:
        problems["club"] = "; ".join(strangers)
    if relay.mixed:
        problem = _mixed_problem(legs, [r for r in runners if r.leg is not None])
        if problem:
            problems["sex"] = problem
    else:
        others = [r.name for r in runners if r.sex is not event_sex]
        if others:
            problems["sex"] = (f"the event is for {_SEX_PLURAL[event_sex][1]}: "
                               f"{', '.join(others)} may not run in it")
    return problems


def _counts(runners: Sequence[Runner]) -> Counter[Runner]:
    """Runners by athlete (the first declaration stands for the name)."""
    first: dict[int, Runner] = {}
    for runner in runners:
        first.setdefault(runner.athlete_id, runner)
    return Counter(first[r.athlete_id] for r in runners)


def _mixed_problem(legs: int, running: Sequence[Runner]) -> str | None:
    if not running:
        return None
    each = legs // 2
    counted = Counter(r.sex for r in running)
    if counted[Sex.MALE] == each and counted[Sex.FEMALE] == each:
        return None
    return (f"a mixed relay is run by {_count(Sex.MALE, each)} and {_count(Sex.FEMALE, each)}; "
            f"the legs declared have {_count(Sex.MALE, counted[Sex.MALE])} and "
            f"{_count(Sex.FEMALE, counted[Sex.FEMALE])}")


def check_legs(relay: Discipline, event_sex: Sex, club_id: int, club_name: str,
               runners: Sequence[Runner], *, team: str) -> None:
    """Refuse a declaration the rules do not allow, naming every problem at once."""
    if not relay.relay:
        raise ValidationError(f"{relay.name} is not a relay", details={"event": relay.code})
    problems = leg_problems(relay, event_sex, club_id, club_name, runners)
    if problems:
        raise ValidationError(f"{team}: " + "; ".join(problems.values()), details=problems)


def leg_times(legs_m: Sequence[int], splits: Mapping[int, int]) -> list[int | None]:
    """Each leg's time (ms) from the team's splits at the handovers: ``splits`` maps a
    distance from the start (m) to the time there since the gun. Leg k ends where the legs
    up to it add up to (the handover, then the finish); a leg whose end or start was not
    read has no time."""
    times: list[int | None] = []
    start: int | None = 0
    covered = 0
    for leg in legs_m:
        covered += leg
        end = splits.get(covered)
        times.append(end - start if end is not None and start is not None else None)
        start = end
    return times
