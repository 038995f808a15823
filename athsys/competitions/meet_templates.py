"""Meet templates: the events of a club meet, a championship, a road race or a combined-events
meet, as data, and their expansion into a programme with a schedule.

A template names each event's discipline, sex, age category and rounds (a championship runs
heats then a final in the sprints and hurdles). :func:`expand` turns it into
:class:`PlannedEvent` rows with a start time for every round: track rounds one after the
other on the track, field events side by side in the field, finals after every heat, each
slot as long as its race usually takes. The wizard shows the programme, the director edits
it, and only then is anything stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from athsys.competitions.models import RoundKind
from athsys.errors import ValidationError
from athsys.sport.combined import combined_competition_key, get_competition
from athsys.sport.disciplines import EventKind, discipline
from athsys.sport.sex import Sex

M, F = Sex.MALE, Sex.FEMALE
HEATS_AND_FINAL: Final = (RoundKind.HEAT, RoundKind.FINAL)
FINAL_ONLY: Final = (RoundKind.FINAL,)
#: A championship's heats: the first 3 of each heat (Q) and the 2 fastest others (q).
HEATS_RULE: Final = (3, 2)


@dataclass(frozen=True)
class TemplateEvent:
    code: str
    sex: Sex
    age_category: str = "SEN"
    rounds: tuple[RoundKind, ...] = FINAL_ONLY


@dataclass(frozen=True)
class MeetTemplate:
    key: str
    title: str
    description: str
    events: tuple[TemplateEvent, ...]


def _both(code: str, rounds: tuple[RoundKind, ...] = FINAL_ONLY,
          category: str = "SEN") -> tuple[TemplateEvent, ...]:
    return (TemplateEvent(code, F, category, rounds), TemplateEvent(code, M, category, rounds))


TEMPLATES: Final[dict[str, MeetTemplate]] = {t.key: t for t in (
    MeetTemplate("club", "Club meet", "Sprints, a middle distance, a jump and a throw; "
                 "one round each (timed finals).",
                 (*_both("100m"), *_both("400m"), *_both("1500m"), *_both("LJ"),
                  *_both("SP"))),
    MeetTemplate("championship", "Championship", "The Olympic programme on one day: heats "
                 "and a final up to 800 m and in the hurdles, finals beyond.",
                 (*_both("100m", HEATS_AND_FINAL), *_both("200m", HEATS_AND_FINAL),
                  *_both("400m", HEATS_AND_FINAL), *_both("800m", HEATS_AND_FINAL),
                  *_both("1500m"), *_both("5000m"),
                  TemplateEvent("100mH", F, rounds=HEATS_AND_FINAL),
                  TemplateEvent("110mH", M, rounds=HEATS_AND_FINAL),
                  *_both("HJ"), *_both("LJ"), *_both("SP"), *_both("JT"))),
    MeetTemplate("road", "Road race", "A 10 km and a 5 km, women and men, mass starts.",
                 (*_both("10K"), *_both("5K"))),
    MeetTemplate("combined", "Combined events", "Decathlon (men) and heptathlon (women): "
                 "each event of the competition is a round.",
                 (TemplateEvent("DEC", M), TemplateEvent("HEP", F))),
)}

#: How long a round occupies the track (heats: each heat).
_TRACK_SLOT: Final = {"60m": 5, "100m": 5, "100mH": 5, "110mH": 5, "200m": 5, "400m": 6,
                      "400mH": 6, "800m": 8, "1500m": 10, "3000m": 15, "3000mSC": 15,
                      "5000m": 25, "10000m": 40, "4x100m": 6, "4x400m": 8}
_FIELD_SLOT: Final = 60  # minutes; field events start in pairs, side by side
_COMBINED_SLOT: Final = 40  # minutes between two events of a combined competition
_ROAD_GAP: Final = 15  # minutes between two road starts
_HEATS_EXPECTED: Final = 3  # heats per first round when planning before the entries are in


@dataclass(frozen=True)
class PlannedRound:
    kind: RoundKind
    ordinal: int
    start: time  # at the venue
    advance_by_place: int = 0
    advance_by_time: int = 0
    label: str = ""  # a combined event's round: the event it is ("LJ")


@dataclass(frozen=True)
class PlannedEvent:
    code: str
    name: str
    sex: Sex
    age_category: str
    rounds: tuple[PlannedRound, ...]
    #: as the director wrote it: text in the discipline's notation ("10.90", "7.80") or a
    #: mark in its unit (ms, mm, points); read and checked by
    #: :func:`athsys.officiating.meet_setup.read_standards`
    entry_standard: int | str | None = None


def template(key: str) -> MeetTemplate:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise ValidationError(f"template: choose one of {', '.join(TEMPLATES)}, not {key!r}",
                              details={"template": [f"Choose one of {', '.join(TEMPLATES)}."]}
                              ) from None


def event_name(code: str, sex: Sex, category: str) -> str:
    """``Women 100 m``, ``Men U20 Long jump``."""
    who = "Women" if sex is Sex.FEMALE else "Men"
    return " ".join(part for part in (who, "" if category == "SEN" else category,
                                      discipline(code).name) if part)


def _at(clock: datetime) -> time:
    return clock.time().replace(second=0, microsecond=0)


def expand(key: str, first_start: time) -> list[PlannedEvent]:
    """The template's events with a start time for every round, from ``first_start``."""
    chosen = template(key)
    day = datetime.combine(date(2000, 1, 1), first_start)
    track, field = day, day
    field_in_slot = 0
    finals: list[tuple[int, TemplateEvent]] = []
    planned: dict[int, list[PlannedRound]] = {}
    for index, item in enumerate(chosen.events):
        found = discipline(item.code)
        rounds: list[PlannedRound] = []
        if found.kind is EventKind.COMBINED:
            events = get_competition(combined_competition_key(item.code, item.sex)).events
            start = day
            for ordinal, part in enumerate(events, start=1):
                rounds.append(PlannedRound(RoundKind.FINAL, ordinal, _at(start), label=part.key))
                start += timedelta(minutes=_COMBINED_SLOT)
        elif found.kind is EventKind.FIELD:
            rounds.append(PlannedRound(RoundKind.FINAL, 1, _at(field)))
            field_in_slot += 1
            if field_in_slot == 2:
                field, field_in_slot = field + timedelta(minutes=_FIELD_SLOT), 0
        elif found.kind is EventKind.ROAD:
            rounds.append(PlannedRound(RoundKind.FINAL, 1, _at(track)))
            track += timedelta(minutes=_ROAD_GAP)
        else:
            slot = timedelta(minutes=_TRACK_SLOT.get(item.code, 10))
            if RoundKind.HEAT in item.rounds:
                rounds.append(PlannedRound(RoundKind.HEAT, 1, _at(track), *HEATS_RULE))
                track += slot * _HEATS_EXPECTED
                finals.append((index, item))
            else:
                rounds.append(PlannedRound(RoundKind.FINAL, 1, _at(track)))
                track += slot * 2
        planned[index] = rounds
    track += timedelta(minutes=30) if finals else timedelta()
    for index, item in finals:
        planned[index].append(PlannedRound(RoundKind.FINAL, 2, _at(track)))
        track += timedelta(minutes=_TRACK_SLOT.get(item.code, 10))
    last = max([track, field, *(datetime.combine(day.date(), r.start) for rounds in
                                planned.values() for r in rounds)])
    if last.date() != day.date() or track.date() != day.date():
        raise ValidationError(
            f"first_start: the {chosen.title.lower()} from {first_start:%H:%M} runs past "
            "midnight; start earlier", details={"first_start": ["Start earlier."]})
    return [PlannedEvent(item.code, event_name(item.code, item.sex, item.age_category),
                         item.sex, item.age_category, tuple(planned[index]))
            for index, item in enumerate(chosen.events)]
