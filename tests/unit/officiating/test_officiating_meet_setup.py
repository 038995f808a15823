"""The wizard's entry standards, read by the domain before anything is stored: text in each
discipline's notation becomes a mark, a mark is kept, and every bad one is named at once by
its place in the programme and its event's name."""

from __future__ import annotations

from datetime import time

import pytest

from athsys.competitions.meet_templates import PlannedEvent, PlannedRound
from athsys.competitions.models import RoundKind
from athsys.errors import ValidationError
from athsys.officiating.meet_setup import read_standards
from athsys.sport.sex import Sex

pytestmark = pytest.mark.unit


def _planned(code: str, sex: Sex, name: str, standard: int | str | None) -> PlannedEvent:
    return PlannedEvent(code, name, sex, "SEN", (PlannedRound(RoundKind.FINAL, 1, time(10)),),
                        entry_standard=standard)


def test_standards_written_in_each_notation_are_read_into_marks() -> None:
    assert read_standards([
        _planned("100m", Sex.MALE, "Men 100 m", "10.40"),
        _planned("800m", Sex.FEMALE, "Women 800 m", " 2:05.00 "),
        _planned("LJ", Sex.FEMALE, "Women Long jump", "6.40"),
        _planned("DEC", Sex.MALE, "Men Decathlon", "7500"),
        _planned("10K", Sex.FEMALE, "Women 10 km", "35:00"),
    ]) == [10_400, 125_000, 6_400, 7_500, 2_100_000]


def test_a_mark_already_in_the_unit_is_kept_and_no_standard_stays_none() -> None:
    assert read_standards([_planned("SP", Sex.MALE, "Men Shot put", 15_000),
                           _planned("HJ", Sex.FEMALE, "Women High jump", None)]) == [15_000, None]


def test_an_implausible_standard_is_named_by_its_place_and_its_events_name() -> None:
    with pytest.raises(ValidationError) as caught:
        read_standards([_planned("LJ", Sex.FEMALE, "Women Long jump", "6.40"),
                        _planned("100m", Sex.MALE, "Club sprint", "9.00")])
    error = caught.value
    assert error.message.startswith(
        "Club sprint, entry standard: 9.00 is not a plausible 100 m mark: faster than the "
        "world record (9.58)")
    assert error.details == {"events.1.entry_standard": [error.message]}


def test_a_standard_is_judged_by_the_events_sex() -> None:
    assert read_standards([_planned("100m", Sex.MALE, "Men 100 m", "10.10")]) == [10_100]
    with pytest.raises(ValidationError) as caught:
        read_standards([_planned("100m", Sex.FEMALE, "Women 100 m", "10.10")])
    assert "world record (10.49)" in caught.value.message


def test_every_bad_standard_is_named_at_once_in_the_programmes_order() -> None:
    with pytest.raises(ValidationError) as caught:
        read_standards([
            _planned("100m", Sex.MALE, "Men 100 m", "9.00"),  # faster than the record
            _planned("400m", Sex.FEMALE, "Women 400 m", "55.00"),  # good
            _planned("LJ", Sex.FEMALE, "Women Long jump", "6,40"),  # not metres
            _planned("SP", Sex.MALE, "Men Shot put", 40_000),  # a mark beyond the record
            _planned("HJ", Sex.MALE, "Men High jump", "1:80"),  # a time for a height
        ])
    error = caught.value
    details = error.details
    assert isinstance(details, dict)
    assert list(details) == ["events.0.entry_standard", "events.2.entry_standard",
                             "events.3.entry_standard", "events.4.entry_standard"]
    messages = [message for (message,) in details.values()]
    assert error.message == "; ".join(messages)
    assert [m.split(":")[0] for m in messages] == [
        "Men 100 m, entry standard", "Women Long jump, entry standard",
        "Men Shot put, entry standard", "Men High jump, entry standard"]
    assert "40.00 is not a plausible Shot put mark: beyond the world record" in messages[2]
    assert "written in metres" in messages[3]
