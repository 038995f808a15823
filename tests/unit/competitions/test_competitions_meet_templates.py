"""Meet templates expand into a programme: events, rounds and a sensible schedule."""

from __future__ import annotations

from datetime import time

import pytest

from athsys.competitions.meet_templates import TEMPLATES, expand
from athsys.competitions.models import RoundKind
from athsys.errors import ValidationError
from athsys.sport.disciplines import DISCIPLINES
from athsys.sport.sex import Sex


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_expands_to_known_disciplines_with_rounds_in_order(key: str) -> None:
    planned = expand(key, time(10, 0))
    assert planned
    for event in planned:
        assert event.code in DISCIPLINES
        assert [r.ordinal for r in event.rounds] == list(range(1, len(event.rounds) + 1))
        starts = [r.start for r in event.rounds]
        assert starts == sorted(starts) and starts[0] >= time(10, 0)
    names = [(e.code, e.sex, e.age_category) for e in planned]
    assert len(names) == len(set(names))  # the unique key of an event


def test_a_championship_runs_heats_then_finals_after_every_heat() -> None:
    planned = {(e.code, e.sex): e for e in expand("championship", time(9, 0))}
    sprint = planned[("100m", Sex.FEMALE)]
    assert [r.kind for r in sprint.rounds] == [RoundKind.HEAT, RoundKind.FINAL]
    assert (sprint.rounds[0].advance_by_place, sprint.rounds[0].advance_by_time) == (3, 2)
    last_heat = max(r.start for e in planned.values() for r in e.rounds
                    if r.kind is RoundKind.HEAT)
    first_final = min(e.rounds[1].start for e in planned.values() if len(e.rounds) == 2)
    assert first_final > last_heat
    assert [r.kind for r in planned[("LJ", Sex.MALE)].rounds] == [RoundKind.FINAL]
    assert sprint.name == "Women 100 m"


def test_track_rounds_never_share_a_start_and_field_events_go_in_pairs() -> None:
    planned = expand("club", time(18, 0))
    track = [r.start for e in planned if e.code in ("100m", "400m", "1500m") for r in e.rounds]
    assert len(track) == len(set(track))
    field = [e.rounds[0].start for e in planned if e.code in ("LJ", "SP")]
    assert field == [time(18, 0), time(18, 0), time(19, 0), time(19, 0)]


def test_a_combined_event_has_one_round_per_event_of_its_tables() -> None:
    planned = {e.code: e for e in expand("combined", time(9, 0))}
    assert [r.label for r in planned["DEC"].rounds][:3] == ["100m", "LJ", "SP"]
    assert len(planned["DEC"].rounds) == 10 and len(planned["HEP"].rounds) == 7


def test_an_unknown_template_or_a_programme_past_midnight_is_refused() -> None:
    with pytest.raises(ValidationError, match="choose one of"):
        expand("relay-carnival", time(10, 0))
    with pytest.raises(ValidationError, match="past midnight") as caught:
        expand("championship", time(22, 0))
    assert "first_start" in caught.value.details
