import pytest
from marshmallow import ValidationError

from athsys.scoring.schemas import (
    AgeGradeRequestSchema,
    AgeGradeSchema,
    CombinedScoreRequestSchema,
    CombinedScoreSchema,
)
from athsys.sport.age_grading import age_grade
from athsys.sport.combined import score_competition

pytestmark = pytest.mark.unit

MAYER_IN_NOTATION = {
    "100m": "10.55",
    "LJ": "7.80",
    "SP": "16.00",
    "HJ": "2.05",
    "400m": "48.42",
    "110mH": "13.75",
    "DT": "50.54",
    "PV": "5.45",
    "JT": "71.90",
    "1500m": "4:36.11",
}


def test_combined_request_in_notation_scores_the_world_record() -> None:
    request = CombinedScoreRequestSchema().load(
        {"competition": "men_decathlon", "marks": MAYER_IN_NOTATION}
    )
    assert request["marks"]["100m"] == 10_550
    assert request["marks"]["LJ"] == 7_800
    assert request["marks"]["1500m"] == 276_110
    assert request["hand_timed"] == []
    response = CombinedScoreSchema().dump(
        score_competition(request["competition"], request["marks"])
    )
    assert response["total"] == 9126
    assert response["events"][0] == {
        "event": "100m",
        "mark": 10_550,
        "points": 963,
        "running_total": 963,
    }
    assert response["events"][-1]["running_total"] == 9126


@pytest.mark.parametrize(
    ("event", "value", "mark"),
    [
        ("100m", 10_550, 10_550),  # integers are already ms / mm
        ("100m", "10.5", 10_500),
        ("100m", "10.551", 10_551),
        ("100m", " 10.55 ", 10_550),
        ("400m", "1:02.3", 62_300),
        ("1500m", "4:36", 276_000),
        ("1500m", "1:00:00.0", 3_600_000),
        ("SP", "16", 16_000),
        ("SP", "16.009", 16_009),
        ("HJ", "2.05", 2_050),
        ("HJ", None, None),
        ("PV", "NM", None),
        ("400m", "dnf", None),
        ("400m", "", None),
    ],
)
def test_combined_marks_are_read_as_the_event_measures(
    event: str, value: object, mark: int | None
) -> None:
    loaded = CombinedScoreRequestSchema().load(
        {"competition": "men_decathlon", "marks": {event: value}}
    )
    assert loaded["marks"] == {event: mark}


@pytest.mark.parametrize(
    "value",
    [
        10.55,
        "10,55",
        "4:60.00",
        "4:5.00",
        "1:2:03.00",
        "1:60:00",
        "-1",
        -1,
        True,
        "10.5555",
        "1.2.3",
        "٣",
    ],
)
def test_bad_combined_marks_are_refused_per_event(value: object) -> None:
    with pytest.raises(ValidationError) as raised:
        CombinedScoreRequestSchema().load(
            {"competition": "men_decathlon", "marks": {"1500m": value}}
        )
    assert "1500m" in raised.value.messages_dict["marks"]


def test_distance_notation_refuses_minutes() -> None:
    with pytest.raises(ValidationError) as raised:
        CombinedScoreRequestSchema().load(
            {"competition": "women_heptathlon", "marks": {"JT": "1:45"}}
        )
    assert "JT" in raised.value.messages_dict["marks"]


def test_unknown_competition_and_event_are_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        CombinedScoreRequestSchema().load({"competition": "octathlon", "marks": {}})
    assert "competition" in raised.value.messages
    with pytest.raises(ValidationError) as raised:
        CombinedScoreRequestSchema().load(
            {"competition": "women_heptathlon", "marks": {"PV": "4.00"}}
        )
    assert "PV" in raised.value.messages_dict["marks"]


def test_hand_timed_must_name_races_of_the_competition() -> None:
    loaded = CombinedScoreRequestSchema().load(
        {"competition": "men_decathlon", "marks": {"100m": "10.6"}, "hand_timed": ["100m"]}
    )
    assert loaded["hand_timed"] == ["100m"]
    for bad in (["LJ"], ["200m"]):
        with pytest.raises(ValidationError) as raised:
            CombinedScoreRequestSchema().load(
                {"competition": "men_decathlon", "marks": {}, "hand_timed": bad}
            )
        assert "hand_timed" in raised.value.messages


def test_age_grade_request_and_response() -> None:
    request = AgeGradeRequestSchema().load(
        {"sex": "M", "age": 73, "event": "ROAD_MAR", "mark": "2:54:48", "edition": "2020"}
    )
    assert request == {"sex": "M", "age": 73, "event": "ROAD_MAR", "mark": 10_488_000,
                       "edition": "2020"}
    response = AgeGradeSchema().dump(age_grade(**request))
    assert response["factor"] == "0.7104"
    assert response["percentage"] == "97.96"
    assert response["age_graded_mark"] == 7_450_676
    assert response["table"] == "Alan Jones 2020 road"
    newest = AgeGradeRequestSchema().load(
        {"sex": "M", "age": 73, "event": "ROAD_7MI", "mark": "50:00"})
    assert newest["edition"] == "2025"  # the default; 7 miles exist only in 2025
    with pytest.raises(ValidationError) as raised:
        AgeGradeRequestSchema().load({"sex": "M", "age": 73, "event": "ROAD_7MI",
                                      "mark": "50:00", "edition": "2020"})
    assert "event" in raised.value.messages


def test_age_grade_request_reads_field_marks_in_metres() -> None:
    request = AgeGradeRequestSchema().load({"sex": "F", "age": 70, "event": "SP", "mark": "10.50"})
    assert request["mark"] == 10_500


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sex": "m", "age": 50, "event": "100m", "mark": 12_000}, "sex"),
        ({"sex": "M", "age": "50", "event": "100m", "mark": 12_000}, "age"),
        ({"sex": "M", "age": 50, "event": "100 m", "mark": 12_000}, "event"),
        ({"sex": "M", "age": 50, "event": "100m", "mark": "DNF"}, "mark"),
        ({"sex": "M", "age": 50, "event": "100m", "mark": 0}, "mark"),
        ({"sex": "M", "age": 50, "event": "100m", "mark": 12.0}, "mark"),
        ({"sex": "M", "age": 50, "event": "100m"}, "mark"),
    ],
)
def test_bad_age_grade_requests_name_the_field(payload: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        AgeGradeRequestSchema().load(payload)
    assert field in raised.value.messages
