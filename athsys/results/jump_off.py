"""Jump-off for first place in a high jump or pole vault (World Athletics TR 26.8-26.9).

When count-back leaves athletes tied for first and the competition (the regular series)
is over for everyone, the tie is decided by a jump-off, unless the athletes concerned
decide not to jump further, in which case they share first place:

- each athlete has one attempt per height, in the competition order;
- the first height is the next one of the progression after the height the tied athletes
  last cleared (the height at which they went out, when somebody attempted it);
- after a round in which more than one cleared, the bar goes up, after a round in which
  all failed it comes down, by 2 cm in the high jump and 5 cm in the pole vault; the
  athletes who failed while others cleared are out;
- an athlete who does not jump at a height (``-``) forfeits any claim to first; when only
  one athlete is left, he wins whether or not he jumps that height;
- an athlete who declines to jump further (``r``) shares first with the others if they all
  decline in that round; if someone else jumps instead, the decliner is out.

The jump-off decides first place only: the others keep a place below the winners, shared.
Heights of a jump-off never count as an athlete's mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from athsys.errors import ValidationError
from athsys.results.field_series import (
    CLEARED,
    FAILED,
    PASSED,
    RETIRED,
    FieldPlacing,
    VerticalSeries,
)
from athsys.sport.marks import Measure, format_mark
from athsys.sport.ranking import EntryId

#: How far the bar moves between jump-off rounds (TR 26.9.4), by discipline code.
JUMP_OFF_STEP_MM = {"HJ": 20, "PV": 50}
_JUMP_OFF_OUTCOMES = (CLEARED, FAILED, PASSED, RETIRED)


@dataclass(frozen=True)
class JumpOffJump:
    """One jump-off attempt: ``o``, ``x``, ``-`` (does not jump) or ``r`` (declines)."""

    entry_id: EntryId
    height_mm: int
    outcome: str


@dataclass(frozen=True)
class JumpOffRound:
    height_mm: int
    jumps: tuple[JumpOffJump, ...]


@dataclass(frozen=True)
class JumpOff:
    """Where a jump-off stands after the jumps recorded so far."""

    tied: tuple[EntryId, ...]  # tied for first after count-back, in competition order
    height_mm: int | None  # the bar for the next jump; None once decided
    to_jump: tuple[EntryId, ...]  # still to jump at ``height_mm`` this round, in order
    winners: tuple[EntryId, ...]  # () while undecided; one winner or those who share first
    rounds: tuple[JumpOffRound, ...] = ()  # played, then the one at the bar now

    @property
    def decided(self) -> bool:
        return bool(self.winners)


def series_over(series: VerticalSeries) -> bool:
    """True when the athlete cannot jump again: retired, or three failures in a row."""
    jumped = "".join(bar.attempts for bar in series.heights)
    return RETIRED in jumped or jumped.replace(PASSED, "").endswith(FAILED * 3)


def tied_for_first(placings: Sequence[FieldPlacing], series: Sequence[VerticalSeries]
                   ) -> tuple[EntryId, ...]:
    """The athletes a jump-off is for: tied first after count-back, everyone done jumping.

    Empty while any athlete who has jumped can still jump, or when first is not tied.
    Returned in competition order (the order of ``series``)."""
    leaders = {p.entry_id for p in placings if p.place == 1}
    if len(leaders) < 2 or not all(series_over(one) for one in series if one.heights):
        return ()
    return tuple(one.entry_id for one in series if one.entry_id in leaders)


def first_jump_off_height(series: Sequence[VerticalSeries], tied: Sequence[EntryId],
                          step_mm: int) -> int:
    """The next height of the progression above the tied athletes' best clearance."""
    tied_set = set(tied)
    best = max(bar.height_mm for one in series if one.entry_id in tied_set
               for bar in one.heights if CLEARED in bar.attempts)
    above = [bar.height_mm for one in series for bar in one.heights if bar.height_mm > best]
    return min(above) if above else best + step_mm


def play_jump_off(tied: Sequence[EntryId], start_mm: int, step_mm: int,
                  jumps: Sequence[JumpOffJump]) -> JumpOff:
    """Replay the recorded jumps; refuse one that the rules do not allow, naming why."""
    remaining = list(tied)
    height = start_mm
    to_jump = list(remaining)
    outcomes: dict[EntryId, str] = {}
    winners: tuple[EntryId, ...] = ()
    rounds = [JumpOffRound(height, ())]
    for jump in jumps:
        _check_jump(jump, remaining, to_jump, height, winners)
        rounds[-1] = replace(rounds[-1], jumps=(*rounds[-1].jumps, jump))
        to_jump.remove(jump.entry_id)
        outcomes[jump.entry_id] = jump.outcome
        if jump.outcome == PASSED:
            remaining.remove(jump.entry_id)
            if len(remaining) == 1:
                winners = (remaining[0],)  # TR 26.9.5: the one athlete left wins
                continue
        if not to_jump:
            remaining, height, winners = _round_over(remaining, outcomes, height, step_mm)
            to_jump, outcomes = list(remaining), {}
            if not winners:
                rounds.append(JumpOffRound(height, ()))
    if winners:
        return JumpOff(tuple(tied), None, (), winners, tuple(rounds))
    return JumpOff(tuple(tied), height, tuple(to_jump), (), tuple(rounds))


def _round_over(remaining: list[EntryId], outcomes: dict[EntryId, str], height: int,
                step_mm: int) -> tuple[list[EntryId], int, tuple[EntryId, ...]]:
    """(who goes on, the next bar, winners) once everyone still in has had the round's jump."""
    jumped = [e for e in remaining if outcomes[e] in (CLEARED, FAILED)]
    if not jumped:  # all declined: they share first
        return remaining, height, tuple(remaining)
    cleared = [e for e in jumped if outcomes[e] == CLEARED]
    if len(cleared) == 1:
        return cleared, height, (cleared[0],)
    if len(jumped) == 1:
        return jumped, height, (jumped[0],)
    if cleared:
        return cleared, height + step_mm, ()
    return jumped, height - step_mm, ()


def _check_jump(jump: JumpOffJump, remaining: list[EntryId], to_jump: list[EntryId],
                height: int, winners: tuple[EntryId, ...]) -> None:
    def refuse(problem: str) -> None:
        raise ValidationError(f"jump-off, bib {jump.entry_id}: {problem}", details={
            "entry": jump.entry_id, "height": _text(jump.height_mm), "outcome": jump.outcome})

    if winners:
        refuse(f"the jump-off is decided ({', '.join(map(str, winners))} first)")
    if jump.outcome not in _JUMP_OFF_OUTCOMES:
        refuse(f"{jump.outcome!r} is not one of o, x, - (does not jump), r (declines)")
    if jump.entry_id not in remaining:
        refuse("is not in the jump-off any more")
    if jump.entry_id not in to_jump:
        refuse(f"has had this round's attempt at {_text(height)}; "
               f"{', '.join(map(str, to_jump))} still to jump")
    if jump.height_mm != height:
        refuse(f"the bar is at {_text(height)} for this round (TR 26.9), "
               f"not {_text(jump.height_mm)}")


def settle_first_place(placings: Sequence[FieldPlacing], jump_off: JumpOff
                       ) -> list[FieldPlacing]:
    """The standing once the jump-off is decided: winners first, the other tied next."""
    if not jump_off.decided:
        return list(placings)
    tied = set(jump_off.tied)
    winners = set(jump_off.winners)
    return sorted(
        (replace(p, place=1 if p.entry_id in winners else len(winners) + 1, jump_off=False)
         if p.entry_id in tied else p for p in placings),
        key=lambda p: (p.place is None, p.place or 0),
    )


def _text(height_mm: int) -> str:
    return f"{format_mark(height_mm, Measure.HEIGHT)} m"
