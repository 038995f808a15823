"""Recording and correcting results and field attempts.

Corrections are routine: every change to a result first copies the result as it was into
:class:`ResultRevision`, bumps ``Result.revision`` and writes an audit row with the fields
before and after. Results of an official heat may be corrected by the chief registrar only.
A corrected chip or photo-finish result becomes a manual one, which timing data never
overwrites (:mod:`athsys.timing.recompute`).

Hand timing is a property of the result (``Result.hand_timed``): a manual time not said to
be either is a hand time when its heat is timed by hand (``Heat.hand_timed``); photo-finish
and chip results are fully automatic, never hand times; a field mark is never timed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.accounts.roles import CHIEF_REGISTRAR
from athsys.athletes.service import current_related
from athsys.audit.service import audited_add, audited_delete, audited_update, diff, record, snapshot
from athsys.competitions.combined_rounds import round_discipline
from athsys.competitions.models import Entry, Heat, HeatStatus
from athsys.errors import AuthorizationError, ValidationError
from athsys.jobs import request_refresh
from athsys.results.models import Attempt, AttemptOutcome, Result, ResultRevision, ResultSource
from athsys.results.placing import place_heats
from athsys.sport.marks import Measure
from athsys.sport.plausible import check_plausible
from athsys.sport.ranking import ResultStatus

#: The fields of a result a revision keeps.
REVISED_FIELDS = (
    "mark", "net_mark", "place", "status", "status_rule", "wind", "reaction_time", "source",
    "hand_timed",
)
CORRECTS_OFFICIAL = (CHIEF_REGISTRAR,)
MACHINE_SOURCES = (ResultSource.CHIP, ResultSource.LIF)
"""Sources whose results a correction turns into manual ones."""


def record_result(session: Session, actor: Actor, result: Result) -> Result:
    """A first result for an entry in a heat (a second one is a conflict: correct instead)."""
    heat = _check_result(session, actor, result)
    settle_hand_timing(result, heat)
    result.revision = 1
    return audited_add(session, actor, result)  # type: ignore[no-any-return]


def correct_result(
    session: Session, actor: Actor, result: Result, before: Mapping[str, Any],
    *, reason: str | None = None,
) -> ResultRevision | None:
    """Keep the stored version (``before``) as a revision, then save the corrected one.

    A correction of a chip or photo-finish result is saved as source manual, so that no late
    read or re-imported file overwrites it (a change of the source alone is kept as given:
    an official handing a result back to the timing system). The places of a timed heat are
    re-ranked unless the correction sets a place itself, and the event's leaderboard refresh
    is asked for. Returns the revision written, or None when nothing that a revision keeps
    changed.
    """
    heat = _check_result(session, actor, result)
    if result.hand_timed is None:
        result.hand_timed = bool(before.get("hand_timed"))
    after = snapshot(result)
    if all(before.get(f) == after.get(f) for f in REVISED_FIELDS):
        return None
    corrected = [f for f in REVISED_FIELDS if f != "source" and before.get(f) != after.get(f)]
    if corrected and result.source in MACHINE_SOURCES:
        result.source = ResultSource.MANUAL
    if result.source in MACHINE_SOURCES:
        result.hand_timed = False  # handed back to the timing system: its time is automatic
    settle_hand_timing(result, heat)
    kept = ResultRevision(
        result_id=result.id,
        revision=before["revision"],
        mark=before["mark"],
        net_mark=before["net_mark"],
        place=before["place"],
        status=ResultStatus(before["status"]),
        status_rule=before["status_rule"],
        wind=before["wind"],
        reaction_time=before["reaction_time"],
        source=ResultSource(before["source"]),
        hand_timed=bool(before.get("hand_timed")),
        changed_by=actor.username,
        reason=reason,
    )
    session.add(kept)
    result.revision = before["revision"] + 1
    session.flush()
    changes = diff(before, snapshot(result))
    if reason:
        changes["reason"] = reason
    record(session, actor, "correct", "Result", result.id, changes)
    event = result.heat.round.event
    if "place" not in corrected and event.discipline.measure is Measure.TIME:
        place_heats(session, [result.heat_id])
    request_refresh(session, [event.id])
    return kept


def settle_hand_timing(result: Result, heat: Heat) -> None:
    """Decide ``result.hand_timed`` when it was left unsaid (``None``), refuse it where it
    cannot be: a manual or API time follows its heat (a heat timed by hand gives hand times);
    a photo-finish or chip result and a field mark are never hand timed."""
    found = round_discipline(heat.round)
    machine = result.source in MACHINE_SOURCES
    timed = found.measure is Measure.TIME
    if result.hand_timed is None:
        result.hand_timed = heat.hand_timed and timed and not machine
        return
    if result.hand_timed and machine:
        raise ValidationError(
            f"hand_timed: a {result.source.value} result is fully automatic, never hand timed",
            details={"hand_timed": f"must be false for source {result.source.value}"})
    if result.hand_timed and not timed:
        raise ValidationError(f"hand_timed: {found.name} is not a race: its marks are not timed",
                              details={"hand_timed": "only a time is hand timed"})


def delete_result(session: Session, actor: Actor, result: Result) -> None:
    _check_heat_open(actor, result.heat)
    audited_delete(session, actor, result)


def _check_result(session: Session, actor: Actor, result: Result) -> Heat:
    """Refuse a result its heat, entry or status cannot have; returns its heat."""
    heat = current_related(session, result, "heat")
    _check_same_event(heat, current_related(session, result, "entry"))
    _check_heat_open(actor, heat)
    if result.status is None:
        result.status = ResultStatus.OK
    if result.status is ResultStatus.OK and result.mark is None:
        raise ValidationError("mark: a result with status OK needs a mark",
                              details={"mark": "required when status is OK"})
    if result.status is ResultStatus.DNS and result.mark is not None:
        raise ValidationError("mark: an athlete who did not start has no mark",
                              details={"mark": "must be blank for DNS"})
    if result.place is not None and result.status is not ResultStatus.OK:
        raise ValidationError(f"place: a {result.status.value} has no place",
                              details={"place": f"must be blank for {result.status.value}"})
    check_plausible(result.mark, round_discipline(heat.round), heat.round.event.sex)
    return heat


def _check_same_event(heat: Heat | None, entry: Entry | None) -> None:
    if heat is None:
        raise ValidationError("heat: choose the heat", details={"heat": "required"})
    if entry is None:
        raise ValidationError("entry: choose the entry", details={"entry": "required"})
    event = heat.round.event
    if entry.event_id != event.id:
        raise ValidationError(
            f"entry: bib {entry.bib} is not entered in {event.name}",
            details={"entry": f"not entered in {event.name}"},
        )


def _check_heat_open(actor: Actor, heat: Heat) -> None:
    if heat.status is HeatStatus.OFFICIAL and not (
        actor.is_admin or actor.has_role(*CORRECTS_OFFICIAL)
    ):
        raise AuthorizationError(
            f"{heat!r} is official: only the chief registrar may change its results",
            details={"heat": "official"},
        )


# -- field attempts ----------------------------------------------------------------------------
def record_attempt(session: Session, actor: Actor, attempt: Attempt) -> Attempt:
    _check_attempt(session, actor, attempt)
    return audited_add(session, actor, attempt)  # type: ignore[no-any-return]


def correct_attempt(
    session: Session, actor: Actor, attempt: Attempt, before: Mapping[str, Any]
) -> None:
    _check_attempt(session, actor, attempt)
    audited_update(session, actor, attempt, before)


def delete_attempt(session: Session, actor: Actor, attempt: Attempt) -> None:
    _check_heat_open(actor, attempt.heat)
    audited_delete(session, actor, attempt)


def _check_attempt(session: Session, actor: Actor, attempt: Attempt) -> None:
    heat = current_related(session, attempt, "heat")
    _check_same_event(heat, current_related(session, attempt, "entry"))
    _check_heat_open(actor, heat)
    found = round_discipline(heat.round)  # a combined event's round is one of its events
    sex = heat.round.event.sex
    if found.vertical:
        if attempt.height is None:
            raise ValidationError("height: a high jump or pole vault attempt needs the bar height",
                                  details={"height": "required"})
        check_plausible(attempt.height, found, sex, field="height")
        if attempt.outcome is AttemptOutcome.MARK or attempt.mark is not None:
            raise ValidationError("outcome: a vertical jump trial is o, x, - or r",
                                  details={"outcome": "o, x, - or r"})
        return
    if attempt.height is not None:
        raise ValidationError(f"height: {found.name} has no bar height",
                              details={"height": "must be blank"})
    if (attempt.outcome is AttemptOutcome.MARK) != (attempt.mark is not None):
        raise ValidationError("mark: a valid trial (m) has a mark; a foul (x), pass or"
                              " retirement has none",
                              details={"mark": "required exactly when the outcome is m"})
    check_plausible(attempt.mark, found, sex)
